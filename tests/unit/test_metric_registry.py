"""Each expectation metric is declared once; its titles, defaults and words all come from that entry."""

from __future__ import annotations

from mediation_console.console.core.metric_registry import (
    CHECKED_BY_HAND,
    REGISTRY,
    default_expectations,
    definition,
)
from mediation_console.console.core.norms import FEEDBACK_HOURS, STALE_DAYS
from mediation_console.console.core.rules.pack import REQUIRED_CONSTANTS
from mediation_console.db.defaults import (
    CLIENT_FEEDBACK_WITHIN_HOURS,
    FIRST_SUBMITTAL_A,
    FIRST_SUBMITTAL_B,
    NO_STALE_REQUISITION_DAYS,
)
from mediation_console.db.models import Team


def test_the_default_expectations_are_the_registrys_entries_at_their_defaults():
    defaults = default_expectations()
    assert [e.title for e in defaults] == [
        "Intake call within 24 h of a new requisition",
        "First submittal within 1 business day of qualification (grade A)",
        "First submittal within 2 business days of qualification (grade B)",
        "Client feedback within 48 h of a submittal",
        "No requisition without a status change for 5 days",
        "Promised dates no earlier than the realistic estimate",
    ]
    for expectation in defaults:
        spec = definition(expectation.metric)
        assert (expectation.owner_team, expectation.threshold, expectation.target, expectation.window_days) == (
            spec.owner_team,
            spec.default_threshold,
            spec.default_target,
            spec.default_window_days,
        )
    assert [e.metric for e in defaults] == list(REGISTRY)


def test_a_new_expectations_suggested_title_says_one_business_day_not_one_business_days():
    # The form's suggestion used to read "within 1 business days".
    assert definition(FIRST_SUBMITTAL_A).title(1) == "First submittal within 1 business day of qualification (grade A)"
    assert definition(FIRST_SUBMITTAL_B).title(3) == "First submittal within 3 business days of qualification (grade B)"
    assert definition(FIRST_SUBMITTAL_A).label == "First submittal within N business days of qualification (grade A)"
    assert definition(NO_STALE_REQUISITION_DAYS).title(1) == "No requisition without a status change for 1 day"
    assert definition(CLIENT_FEEDBACK_WITHIN_HOURS).title(None) == "Client feedback within 48 h of a submittal"


def test_the_rules_pack_and_the_metrics_share_the_staleness_and_feedback_norms():
    assert definition(NO_STALE_REQUISITION_DAYS).default_threshold == STALE_DAYS == REQUIRED_CONSTANTS["stale_days"]
    assert (
        definition(CLIENT_FEEDBACK_WITHIN_HOURS).default_threshold
        == FEEDBACK_HOURS
        == REQUIRED_CONSTANTS["feedback_hours"]
    )


def test_the_first_submittal_metrics_are_each_about_one_grade_and_owned_by_recruiting():
    assert {spec.grade: spec.key for spec in REGISTRY.values() if spec.grade} == {
        "A": FIRST_SUBMITTAL_A,
        "B": FIRST_SUBMITTAL_B,
    }
    assert {spec.owner_team for spec in REGISTRY.values() if spec.grade} == {Team.RECRUITING}
    assert definition(None) is CHECKED_BY_HAND and not CHECKED_BY_HAND.shipped

"""The default expectations between the teams (spec: "Default expectations"), keyed by metric."""

from __future__ import annotations

from mediation_console.db.models import Expectation, ExpectationStatus, Team

# Metric keys of the expectation catalogue (console/metrics.py measures each from the data).
INTAKE_WITHIN_HOURS = "intake_within_hours"  # threshold: hours from a new requisition to its intake call
FIRST_SUBMITTAL_A = "first_submittal_grade_a"  # threshold: business days from qualification, grade A
FIRST_SUBMITTAL_B = "first_submittal_grade_b"  # threshold: business days from qualification, grade B
CLIENT_FEEDBACK_WITHIN_HOURS = "client_feedback_within_hours"  # threshold: hours from submittal to feedback
NO_STALE_REQUISITION_DAYS = "no_stale_requisition_days"  # threshold: days without a status change
PROMISE_NOT_BEFORE_ESTIMATE = "promise_not_before_estimate"  # no threshold: promise >= realistic estimate

# The realistic time to fill, in days, while the team's own history is too short to estimate one
# (the rules module's estimates and the promise metric both fall back to it).
DEFAULT_TIME_TO_FILL_DAYS = 36.0


def default_expectations(status: ExpectationStatus = ExpectationStatus.PROPOSED) -> list[Expectation]:
    return [
        Expectation(
            title="Intake call within 24 h of a new requisition",
            owner_team=Team.SALES,
            metric=INTAKE_WITHIN_HOURS,
            threshold=24,
            target=90,
            window_days=30,
            status=status,
        ),
        Expectation(
            title="First submittal within 1 business day of qualification (grade A)",
            owner_team=Team.RECRUITING,
            metric=FIRST_SUBMITTAL_A,
            threshold=1,
            target=85,
            window_days=30,
            status=status,
        ),
        Expectation(
            title="First submittal within 2 business days of qualification (grade B)",
            owner_team=Team.RECRUITING,
            metric=FIRST_SUBMITTAL_B,
            threshold=2,
            target=85,
            window_days=30,
            status=status,
        ),
        Expectation(
            title="Client feedback within 48 h of a submittal",
            owner_team=Team.SALES,
            metric=CLIENT_FEEDBACK_WITHIN_HOURS,
            threshold=48,
            target=80,
            window_days=30,
            status=status,
        ),
        Expectation(
            title="No requisition without a status change for 5 days",
            owner_team=Team.RECRUITING,
            metric=NO_STALE_REQUISITION_DAYS,
            threshold=5,
            target=90,
            window_days=30,
            status=status,
        ),
        Expectation(
            title="Promised dates no earlier than the realistic estimate",
            owner_team=Team.SALES,
            metric=PROMISE_NOT_BEFORE_ESTIMATE,
            threshold=None,
            target=90,
            window_days=90,
            status=status,
        ),
    ]

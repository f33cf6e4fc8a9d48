"""The teams' facts from their open requisitions (console/core/rules/team_facts.py): counts out of their
samples, and a share or median unknown, never 0, when its sample is empty."""

from __future__ import annotations

import datetime as dt

from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.rules.team_facts import team_requisition_facts

NOW = dt.datetime(2026, 12, 3, 9, 0)  # a Thursday
WEEKENDS = BusinessCalendar()


def row(**kw):
    base = {
        "grade": "C",
        "opened": "2026-11-20 09:00:00",
        "intake": None,
        "manager": 0,
        "salary_max": None,
        "market": None,
        "first_sub": None,
        "last_sub": None,
        "last_client": None,
        "declines": 0,
        "pay": 0,
    }
    base.update(kw)
    return tuple(base.values())


def test_no_open_requisitions_is_zero_counts_and_unknown_shares_and_medians():
    facts = team_requisition_facts([], NOW, WEEKENDS, 15)
    assert facts["team_open_reqs"] == 0 and facts["team_no_intake"] == 0
    for name in (
        "team_no_intake_pct",
        "team_below_market_pct",
        "team_salary_gap_median_pct",
        "team_past_sla_pct",
        "team_first_submittal_median_bdays",
        "team_waiting_on_client_pct",
    ):
        assert facts[name] is None, name


def test_each_count_is_out_of_its_own_sample():
    rows = [
        # No intake, open 13 days; no salary data.
        row(),
        # Intake Mon 23 Nov, first submittal Thu 26 Nov (3 business days: past grade B's 2), client silent since.
        row(
            grade="B",
            intake="2026-11-23 10:00:00",
            manager=1,
            salary_max=80000,
            market=100000,
            first_sub="2026-11-26 10:00:00",
            last_sub="2026-11-30 10:00:00",
            last_client="2026-11-27 10:00:00",
            declines=2,
            pay=1,
        ),
        # Intake and a submittal the next day (within grade A's 1), answered; pays above market.
        row(
            grade="A",
            intake="2026-11-30 10:00:00",
            salary_max=120000,
            market=110000,
            first_sub="2026-12-01 10:00:00",
            last_sub="2026-12-01 10:00:00",
            last_client="2026-12-02 10:00:00",
        ),
        # Intake but no grade yet: not timed against any SLA; no submittal.
        row(grade=None, intake="2026-11-16 10:00:00"),
    ]
    facts = team_requisition_facts(rows, NOW, WEEKENDS, 15)
    assert facts["team_open_reqs"] == 4
    assert facts["team_no_intake"] == 1 and facts["team_no_intake_5d"] == 1 and facts["team_no_intake_pct"] == 25
    assert facts["team_intakes"] == 3 and facts["team_intake_without_manager"] == 2
    assert facts["team_pay_n"] == 2 and facts["team_below_market"] == 1 and facts["team_below_market_pct"] == 50
    assert facts["team_salary_gap_median_pct"] == (20.0 + (-100 / 11)) / 2
    assert facts["team_declines"] == 2 and facts["team_pay_declines"] == 1
    assert facts["team_sla_n"] == 2 and facts["team_past_sla"] == 1 and facts["team_past_sla_pct"] == 50
    assert facts["team_first_submittal_n"] == 2 and facts["team_first_submittal_median_bdays"] == 2
    assert facts["team_submitted"] == 2 and facts["team_waiting_on_client"] == 1


def test_a_first_submittal_still_owed_counts_its_delay_up_to_today():
    rows = [row(grade="C", intake="2026-11-23 10:00:00")]  # 8 business days to Thu 3 Dec, past grade C's 5
    facts = team_requisition_facts(rows, NOW, WEEKENDS, 15)
    assert facts["team_past_sla"] == 1 and facts["team_first_submittal_n"] == 0
    assert facts["team_first_submittal_median_bdays"] is None


def test_the_open_requisitions_are_handed_out_as_they_are_read(tmp_path):
    """One pass over a cursor, never a list of every open requisition (600,000 rows held at once took
    ~260 MB at 1,000,000 requisitions); the facts read from it are the ones a list gives."""
    from mediation_console.db.models import Person, Requisition, Team
    from mediation_console.db.store import Store

    store = Store(tmp_path / "t.db", now=lambda: NOW)
    seller = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    for i in range(3):
        store.add_requisition(Requisition(title=f"Engineer {i}", client="Acme", sales_owner_id=seller.id))
    profiles = store.open_requisition_profiles()
    assert iter(profiles) is profiles  # an iterator, not a list
    facts = team_requisition_facts(profiles, NOW, BusinessCalendar(), 10.0)
    assert facts == team_requisition_facts(list(store.open_requisition_profiles()), NOW, BusinessCalendar(), 10.0)
    assert facts["team_open_reqs"] == 3 and facts["team_no_intake"] == 3
    store.close()

"""The learned ranking: each rule's own record in this team (of the times it was accepted, how many of its
commitments were kept) moves its rank, with a neutral prior while there is little history."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.rules.record import RuleRecord, learned_adjustment
from mediation_console.console.core.rules.service import Mediator
from mediation_console.console.core.stories import load_story
from mediation_console.db.models import CommitmentStatus, Dispute

STORY = Path(__file__).parents[1] / "stories" / "credit_after_placement_unsure.toml"
CALENDAR = BusinessCalendar("US")
LOGGED = "credit.contribution-log"  # first here on its evidence
WRITTEN = "credit.written-split"  # second


def _ranks(mediator: Mediator, dispute_id: int) -> dict[str, int]:
    ranked = [c for c in mediator.explain(dispute_id)[1] if c.proposal is not None]
    return {c.rule_id: i for i, c in enumerate(ranked, start=1)}


def _accept(store, mediator: Mediator, template: Dispute, rule_id: str, outcome: CommitmentStatus) -> int:
    """Another credit dispute between the same two, resolved by accepting `rule_id`; its commitments then kept or missed."""
    other = store.add_dispute(template.model_copy(update={"id": None, "code": None, "opened_at": None}))
    proposal = next(p for p in mediator.proposals(other) if p.id == rule_id)
    _resolved, made = store.resolve_dispute(
        other.saved_id, f"Accepted {rule_id}", rule_id, mediator.commitments_for(proposal, other)
    )
    for commitment in made:
        store.set_commitment_status(commitment.saved_id, outcome)
    return len(made)  # its steps, and a check-in for a side whose follow-through fell low


def test_a_rule_sinks_as_its_commitments_are_missed_and_comes_back_as_they_are_kept(empty_store):
    store = empty_store
    loaded = load_story(store, tomllib.loads(STORY.read_text(encoding="utf-8")), calendar=CALENDAR)
    store.now = lambda: loaded.now
    mediator = Mediator(store, today=loaded.now.date(), include_user_pack=False, calendar=CALENDAR)
    dispute = loaded.disputes[0]
    assert _ranks(mediator, dispute.saved_id)[LOGGED] == 1
    top = next(c.proposal for c in mediator.explain(dispute.saved_id)[1] if c.proposal is not None)
    assert top.record == RuleRecord() and top.record_adjustment == 0  # no history: the neutral prior

    seen, missed, kept = [], 0, 0
    for _ in range(3):
        missed += _accept(store, mediator, dispute, LOGGED, CommitmentStatus.MISSED)
        seen.append(_ranks(mediator, dispute.saved_id)[LOGGED])
    record = mediator.rule_records()[LOGGED]
    assert (record.accepted, record.kept, record.missed) == (3, 0, missed)
    assert seen[-1] > 1, f"ranks after each missed acceptance: {seen}"
    considered = {c.rule_id: c for c in mediator.explain(dispute.saved_id)[1]}
    assert considered[LOGGED].proposal.record.sentence() == (
        f"accepted 3 times here; 0 % of its commitments kept (0 of {missed})"
    )
    assert any("its record: accepted 3 times here" in why for why in considered[LOGGED].why)
    assert considered[LOGGED].proposal.record_adjustment < 0

    for _ in range(12):
        kept += _accept(store, mediator, dispute, LOGGED, CommitmentStatus.KEPT)
        seen.append(_ranks(mediator, dispute.saved_id)[LOGGED])
    record = mediator.rule_records()[LOGGED]
    assert (record.accepted, record.kept, record.missed) == (15, kept, missed)
    assert record.sentence() == (
        f"accepted 15 times here; {kept * 100 / (kept + missed):.0f} % of its commitments kept "
        f"({kept} of {kept + missed})"
    )
    assert seen[-1] == 1, f"ranks after each acceptance: {seen}"
    # The other rule, never accepted here, kept the neutral prior throughout.
    other = next(c.proposal for c in mediator.explain(dispute.saved_id)[1] if c.rule_id == WRITTEN)
    assert other.record.accepted == 0 and other.record_adjustment == 0


def test_the_prior_pulls_a_short_record_toward_neutral():
    neutral, prior, weight = 80.0, 4.0, 5.0
    assert learned_adjustment(RuleRecord(), neutral, prior, weight) == (80.0, 0.0)
    one_missed = learned_adjustment(RuleRecord(1, 0, 1), neutral, prior, weight)
    ten_missed = learned_adjustment(RuleRecord(5, 0, 10), neutral, prior, weight)
    assert 60 < one_missed[0] < 70 and ten_missed[0] < 25  # one miss moves it little, ten a lot
    assert ten_missed[1] < one_missed[1] < 0
    all_kept = learned_adjustment(RuleRecord(5, 10, 0), neutral, prior, weight)
    assert all_kept[0] > 90 and 0 < all_kept[1] <= weight * 0.2


def test_rules_explain_prints_each_rules_record_in_text_and_json(tmp_path):
    from mediation_console.db.store import Store
    from tests.stories.test_diagnosis import mediate

    db = tmp_path / "team.db"
    assert mediate("story", "load", str(STORY), "--db", str(db)).returncode == 0
    with Store(db) as store:
        clock = store.story_clock()
        store.now = lambda: clock
        mediator = Mediator(store, today=clock.date(), include_user_pack=False, calendar=CALENDAR)
        dispute = store.dispute_by_code("D-0001")
        _accept(store, mediator, dispute, LOGGED, CommitmentStatus.KEPT)
        _accept(store, mediator, dispute, LOGGED, CommitmentStatus.MISSED)
    text = mediate("rules", "explain", "D-0001", "--db", str(db))
    assert text.returncode == 0, text.stderr
    assert "Its record: accepted 2 times here; 50 % of its commitments kept (4 of 8) (rank -" in text.stdout
    assert "Its record: not accepted here yet (rank +0.00)" in text.stdout
    report = json.loads(mediate("rules", "explain", "D-0001", "--db", str(db), "--format", "json").stdout)
    logged = next(p for p in report["proposals"] if p["rule_id"] == LOGGED)
    assert logged["record"]["accepted"] == 2 and logged["record"]["kept_pct"] == 50.0
    assert logged["record"]["sentence"] == "accepted 2 times here; 50 % of its commitments kept (4 of 8)"
    assert logged["record"]["rank_adjustment"] < 0

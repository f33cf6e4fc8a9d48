"""Every proposal of every story, in the words a reader sees: the rules' texts are filled with the
dispute's real names (people, client, requisition), and no notes format nor `rules explain` ever shows
a Python repr, an unfilled placeholder or "None"."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from mediation_console.console.core import notes as nt
from mediation_console.console.core.rules.pack import load_pack
from mediation_console.db.models import Standup
from tests.stories.test_story_suite import STORIES, explain

TUPLE_REPR = re.compile(r"\(\s*['\"][^)]*['\"]\s*,")
LIST_REPR = re.compile(r"\[\s*['\"]")
PLACEHOLDER = re.compile(r"\{[a-z_]+(:[a-z_]+)?\}")
NONE_WORD = re.compile(r"\bNone\b")
# The notes' own empty sections ("- None recorded.") are English, not a repr.
EMPTY_SECTION = re.compile(r"\bNone( recorded| raised)?\.")


def _notes_with(dispute, proposal, raised_by: str = "raiser", counterpart: str = "counterpart") -> nt.NotesData:
    when = dt.datetime(2026, 12, 3, 9, 0)
    return nt.NotesData(
        standup=Standup(id=1, started_at=when),
        date=when.date(),
        started_at=when,
        disputes=[
            nt.NotesDispute(
                id=dispute.saved_id,
                code=dispute.code,
                summary=dispute.summary,
                category=dispute.category.value,
                severity=dispute.severity,
                status=dispute.status.value,
                raised_by=raised_by,
                counterpart=counterpart,
                proposal=nt._proposal(proposal, accepted=False),
            )
        ],
    )


def _clean(text: str, where: str) -> None:
    text = EMPTY_SECTION.sub("", text)
    for pattern in (TUPLE_REPR, LIST_REPR, PLACEHOLDER, NONE_WORD):
        found = pattern.search(text)
        assert found is None, f"{where}: {found.group(0)!r} in …{text[max(0, found.start() - 80) : found.end() + 80]}…"


def _texts(proposal) -> list[str]:
    """What a reader sees of a proposal besides its criterion: title, gives, gets, every step."""
    return [
        proposal.title,
        *proposal.sales_gives,
        *proposal.sales_gets,
        *proposal.recruiting_gives,
        *proposal.recruiting_gets,
        *(c.text for c in proposal.commitments),
    ]


@pytest.mark.parametrize("path", STORIES, ids=[p.stem for p in STORIES])
def test_every_proposal_reads_with_names_and_no_repr_in_every_format(path, tmp_path, capsys):
    from mediation_console.console.cli.rules import _explain_dispute
    from mediation_console.console.core.calendar import BusinessCalendar
    from mediation_console.console.core.rules.service import Mediator

    _expect, dispute, _diagnosis, considered, store = explain(path, tmp_path)
    try:
        mediator = Mediator(store, today=store.now().date(), include_user_pack=False, calendar=BusinessCalendar("US"))
        facts = mediator.dispute_fact_values(dispute)
        names = {facts["sales_first"], facts["recruiter_first"], facts["client_name"], facts["requisition_ref"]}
        ranked = [c.proposal for c in considered if c.proposal is not None]
        assert ranked
        for proposal in ranked:
            assert any(name in proposal.title for name in names), f"{proposal.id}: no name in {proposal.title!r}"
            for text in _texts(proposal):
                # A ranked option's own sentences never fall back to "unknown": its conditions hold.
                assert "unknown" not in text and text[:1].isupper(), f"{proposal.id}: {text!r}"
                _clean(text, f"{path.stem} {proposal.id}")
            for fmt in ("md", "slack", "html", "json"):
                text = nt.render(_notes_with(dispute, proposal), fmt)
                if fmt == "json":
                    shown = json.loads(text)["disputes"][0]["proposal"]
                    assert shown["title"] == proposal.title
                    text = " ".join(str(v) for v in shown.values() if isinstance(v, str))
                else:
                    assert proposal.sales_gives[0].split(" (")[0].split("&")[0] in text or fmt == "html"
                _clean(text, f"{path.stem} {proposal.id} {fmt}")
        capsys.readouterr()
        _explain_dispute(mediator, dispute)
        # The why lines quote the rule's own conditions in backticks (`grade in ['A', 'B']`): code, not prose.
        _clean(re.sub(r"`[^`]*`", "", capsys.readouterr().out), f"{path.stem} rules explain")
    finally:
        store.close()


def test_the_names_come_from_the_dispute(tmp_path):
    """Tom Okafor and Ben Carter's dispute about Lumen: the top proposal speaks of Tom, Ben and Lumen."""
    here = Path(__file__).parent
    _expect, _dispute, _diagnosis, considered, store = explain(
        here / "client_silent_3_days_logged_as_slow.toml", tmp_path
    )
    try:
        top = next(c.proposal for c in considered if c.proposal is not None)
        assert top.title == "Tom writes 48 h feedback into Lumen's terms; Ben keeps the 2 submitted candidates warm"
        assert top.sales_gives == (
            "Tom writes 48 h feedback into Lumen's terms and chases any feedback older than 48 h",
        )
        assert top.recruiting_gets == ("Feedback from Lumen within 48 h, so candidates are not lost",)
        assert all("{" not in c.text for c in top.commitments)
        assert any("Lumen" in c.text for c in top.commitments)
    finally:
        store.close()


def test_a_dispute_that_names_nobody_reads_in_plain_words(tmp_path):
    """Two leads argue about credit with no requisition: nobody stands for sales or recruiting, so the
    texts say "sales", "recruiting", "the client", each sentence still starting with a capital."""
    from mediation_console.console.core.calendar import BusinessCalendar
    from mediation_console.console.core.database import open_store
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.db.models import Dispute, DisputeCategory, Person, Team

    now = dt.datetime(2026, 12, 3, 9, 0)
    store = open_store(tmp_path / "plain.db")
    store.now = lambda: now
    try:
        one = store.add_person(Person(name="Ada Lead", team=Team.LEAD))
        two = store.add_person(Person(name="Bo Lead", team=Team.LEAD))
        dispute = store.add_dispute(
            Dispute(
                raised_by_id=one.id,
                counterpart_id=two.id,
                category=DisputeCategory.CREDIT_SPLIT,
                severity=2,
                summary="Who is credited for the referral hires?",
                opened_at=now,
            )
        )
        mediator = Mediator(store, today=now.date(), include_user_pack=False, calendar=BusinessCalendar("US"))
        top = mediator.proposals_for(dispute.id)[0]
        assert top.id == "credit.written-split"
        assert top.title.startswith("Sales and recruiting put the split in writing before work starts (50/50")
        assert top.sales_gives[0].startswith("Sales agrees the split in writing")
        assert top.sales_gets == ("No argument with recruiting at placement time",)
    finally:
        store.close()


def test_every_shipped_text_names_someone_or_something_from_the_facts():
    """The pack's titles name the people, client or requisition; every give and get is filled from at
    least one fact (a name, a count, a figure), so no line is the same for every dispute."""
    names = {"sales_first", "recruiter_first", "client_name", "requisition_ref"}
    for rule in load_pack().proposals:
        assert rule.title_text is not None and rule.title_text.symbols & names, rule.id
        for what in ("sales_gives", "sales_gets", "recruiting_gives", "recruiting_gets"):
            for template in getattr(rule, what):
                assert template.symbols, f"{rule.id} {what}: {template.text!r} is the same for every dispute"

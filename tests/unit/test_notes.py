"""Meeting notes: what the team reads after the standup, in Markdown, HTML, JSON and a calendar file."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import re
import stat
from functools import partial

import icalendar
import pytest

from mediation_console.console.core import notes as nt
from mediation_console.console.core.agenda import build_agenda
from mediation_console.db.models import (
    Attendee,
    Commitment,
    CommitmentSource,
    DisputeCategory,
    Person,
    Requisition,
    Standup,
    StandupItem,
    Team,
)
from mediation_console.db.store import Store
from tests.conftest import Clock
from tests.helpers import raise_dispute
from tests.mrkdwn import mrkdwn_problems

HOSTILE = "<script>alert('x')</script> \"Tom & Jerry's\" \x1b[31mred\x1b[0m \x1b]0;pwned\x07bell\x07 \u202eevil"


class Proposal:
    """Shaped like the rules module's proposals (only the fields the notes read)."""

    def __init__(self, id: str, title: str) -> None:
        self.id = id
        self.title = title
        self.sales_gives = "Quotes the team's median time to fill"
        self.sales_gets = "A date the client can rely on"
        self.recruiting_gives = "Publishes the median weekly"
        self.recruiting_gets = "Realistic promises"
        self.criterion = "Median time to fill for grade A: 31 days"


@pytest.fixture
def meeting(tmp_path):
    """Last week's standup left one action item open; this week's discussed a dispute and made two."""
    clock = Clock(dt.datetime(2026, 11, 19, 9, 0))
    store = Store(tmp_path / "notes.db", now=clock)
    sam = store.add_person(Person(name="Sam Sales", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    lee = store.add_person(Person(name="Lee Lead", team=Team.LEAD))
    ray = store.add_person(Person(name="Ray Hunter", team=Team.RECRUITING))
    previous = store.start_standup(Standup(started_at=clock.at, facilitator_id=lee.id))
    carried = store.add_commitment(
        Commitment(
            owner_id=ray.id,
            text="Publish the median time to fill",
            due=dt.date(2026, 11, 30),
            standup_id=previous.id,
            source=CommitmentSource.STANDUP,
        )
    )
    clock.at = dt.datetime(2026, 11, 19, 9, 15)
    store.update_standup(previous.model_copy(update={"ended_at": clock.at}))

    clock.at = dt.datetime(2026, 11, 23, 9, 0)
    req = store.add_requisition(
        Requisition(
            title="Backend developer",
            client="Acme",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            status="sourcing",
            promised_date=dt.date(2026, 12, 10),
        )
    )
    store.set_derived([(80, "A", None, req.id)])
    interests = {"sales_interest": "Keep the Acme account happy", "recruiting_interest": HOSTILE}
    summary = "Client promised a hire by 10 Dec"
    dispute = raise_dispute(
        store, rita, sam, DisputeCategory.OVERPROMISED_TIMELINE, summary, about=req, severity=3, **interests
    )

    clock.at = dt.datetime(2026, 11, 26, 9, 0)
    agenda = build_agenda(store, clock.at, proposals=lambda d: "Quote the median", expectations=lambda: [])
    standup = store.start_standup(
        Standup(
            started_at=clock.at,
            facilitator_id=lee.id,
            attendees=[
                Attendee(person_id=sam.id),
                Attendee(person_id=rita.id),
                Attendee(person_id=ray.id, present=False),
            ],
            items=agenda.to_standup_items(),
        )
    )
    item = next(i for i in standup.items if i.dispute_id == dispute.id)
    store.update_standup_item(
        item.model_copy(
            update={
                "notes": "Rita: the client was told 10 Dec.\nSam: it was the client's own date.\n" + HOSTILE,
                "decision": "Sales quotes the team's median time to fill from now on",
            }
        )
    )
    made = [
        store.add_commitment(
            Commitment(
                owner_id=sam.id,
                text="Tell Acme the realistic date",
                due=dt.date(2026, 11, 27),
                standup_id=standup.id,
                requisition_id=req.id,
                source=CommitmentSource.STANDUP,
            )
        ),
        store.add_commitment(
            Commitment(
                owner_id=rita.id,
                text=HOSTILE.replace("\u202e", ""),  # a one-line field refuses bidi controls
                due=dt.date(2026, 12, 1),
                standup_id=standup.id,
                dispute_id=dispute.id,
                source=CommitmentSource.STANDUP,
            )
        ),
    ]
    clock.at = dt.datetime(2026, 11, 26, 9, 22)
    standup = store.get_standup(standup.id)
    store.update_standup(standup.model_copy(update={"ended_at": clock.at, "blockers": "Acme's HR is on leave"}))
    data = nt.gather_notes(store, standup.id, proposals=lambda d: [Proposal("P-7", "Quote the median time to fill")])
    yield {
        "store": store,
        "data": data,
        "standup": store.get_standup(standup.id),
        "made": made,
        "carried": carried,
        "dispute": dispute,
        "req": req,
        "people": (sam, rita, lee, ray),
    }
    store.close()


def test_notes_gather_who_came_and_what_was_promised(meeting):
    data = meeting["data"]
    assert data.facilitator == "Lee Lead"
    assert [p.name for p in data.present] == ["Sam Sales", "Rita Recruiter"]
    assert [p.name for p in data.absent] == ["Ray Hunter"]
    assert data.minutes == 22
    assert [c.id for c in data.action_items] == [c.id for c in meeting["made"]]
    assert data.action_items[0].link == meeting["req"].code
    assert data.action_items[1].link == meeting["dispute"].code  # a dispute's item links to the dispute
    assert [c.id for c in data.carried_forward] == [meeting["carried"].id]
    assert [line.link for line in data.new_requisitions] == [meeting["req"].code]
    assert "grade A" in data.new_requisitions[0].text


def test_markdown_notes_have_every_part_in_order(meeting):
    md = nt.to_markdown(meeting["data"])
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == [
        "# Standup Thursday 26 November 2026",
        "## Wins since the last standup",
        "## Queue changes",
        "### New requisitions",
        "### Status moves",
        "### SLA breaches and risks",
        "## Disputes discussed",
        f"### {meeting['dispute'].code}: Client promised a hire by 10 Dec",
        "## Discussion",
        "## Decisions",
        "## Action items",
        "### Carried forward (still open)",
        "## Not reached (back on the next agenda)",
        "## Blockers",
    ]
    assert "**Facilitator:** Lee Lead" in md
    assert "**Present:** Sam Sales, Rita Recruiter" in md
    assert "**Absent:** Ray Hunter" in md
    assert "**Time:** 09:00–09:22 (22 min)" in md
    assert "1. Sales quotes the team's median time to fill from now on" in md
    assert f"- [ ] **Sam Sales**: Tell Acme the realistic date — due Fri 27 Nov ({meeting['req'].code})" in md
    assert "- [ ] **Ray Hunter**: Publish the median time to fill — due Mon 30 Nov" in md
    assert "- **Chosen proposal:** Quote the median time to fill" not in md  # not accepted yet
    assert "- **Top proposal (not yet accepted):** Quote the median time to fill" in md
    assert "  - Objective criterion: Median time to fill for grade A: 31 days" in md
    assert "- **Sales interest:** Keep the Acme account happy" in md
    # Multi-line notes stay inside their list item.
    assert "  Rita: the client was told 10 Dec.\n  Sam: it was the client's own date." in md
    assert md.rstrip().endswith("Acme's HR is on leave")


def test_exports_render_terminal_escapes_and_control_characters_inert(meeting):
    for fmt in ("md", "html"):
        text = nt.render(meeting["data"], fmt)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, fmt
        assert "␛" in text and "0;pwned" in text, fmt  # the window-title payload is shown as text, not obeyed
    ics = nt.to_ics(meeting["data"]).decode()
    assert "\x1b" not in ics and "\u202e" not in ics


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"

    def handle_data(self, data):
        self.text.append(data)


def test_html_notes_escape_hostile_text(meeting):
    page = nt.to_html(meeting["data"])
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&#34;Tom &amp; Jerry&#39;s&#34;" in page
    parsed = _Collector()
    parsed.feed(page)
    assert parsed.scripts == 0
    text = "".join(parsed.text)
    assert "<script>alert('x')</script> \"Tom & Jerry's\"" in text  # readers still see what was typed
    assert "@media print" in page  # printable on its own, no external stylesheet
    assert "<link" not in page


def test_json_notes_round_trip_without_loss(meeting):
    data = meeting["data"]
    text = nt.to_json(data)
    assert nt.notes_from_json(text) == data
    assert nt.notes_from_json(text).standup == meeting["standup"]
    raw = json.loads(text)
    assert raw["standup"]["items"][0]["section"] == "wins" or raw["standup"]["items"]
    # Hostile text survives in JSON exactly, escaped by JSON itself.
    assert any(c["text"] == HOSTILE.replace("\u202e", "") for c in raw["action_items"])
    assert "\x1b" not in text


def test_ics_has_one_all_day_event_per_commitment_on_its_due_date(meeting):
    cal = icalendar.Calendar.from_ical(nt.to_ics(meeting["data"]))
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    made, carried = meeting["made"], meeting["carried"]
    ours = meeting["store"].database_id()
    assert set(events) == {f"commitment-{c.id}.{ours}@mediation-console" for c in (*made, carried)}
    tell = events[f"commitment-{made[0].id}.{ours}@mediation-console"]
    assert tell.decoded("dtstart") == dt.date(2026, 11, 27)
    assert tell.decoded("dtend") == dt.date(2026, 11, 28)
    assert str(tell["summary"]) == "Sam Sales: Tell Acme the realistic date"
    assert f"About: {meeting['req'].code}" in str(tell["description"])
    hostile = events[f"commitment-{made[1].id}.{ours}@mediation-console"]
    assert str(hostile["summary"]).startswith("Rita Recruiter: <script>")
    assert hostile.decoded("dtstart") == dt.date(2026, 12, 1)
    assert not cal.walk("VTODO")


def test_kept_and_cancelled_commitments_are_not_live_events_in_the_calendar(meeting):
    data = meeting["data"]
    first, second = data.action_items[0], data.action_items[1]
    closed = data.model_copy(
        update={
            "action_items": [
                first.model_copy(update={"status": "kept"}),
                second.model_copy(update={"status": "cancelled"}),
                *data.action_items[2:],
            ]
        }
    )

    events = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(nt.to_ics(closed)).walk("VEVENT")}
    uid = partial(nt.commitment_uid, database_id=data.database_id)
    kept, cancelled = events[uid(first.id)], events[uid(second.id)]
    assert str(kept["status"]) == "CANCELLED" and str(kept["summary"]).startswith("Kept: Sam Sales:")
    assert str(cancelled["status"]) == "CANCELLED" and str(cancelled["summary"]).startswith("Cancelled: ")
    carried = events[uid(data.carried_forward[0].id)]
    assert str(carried["status"]) == "CONFIRMED"  # still open: a live event

    open_only = icalendar.Calendar.from_ical(nt.render(closed, "ics", open_only=True)).walk("VEVENT")
    assert {str(e["uid"]) for e in open_only} == {uid(c.id) for c in data.carried_forward}


def test_two_teams_files_never_share_a_calendar_uid(meeting, tmp_path):
    # The same commitment id in another team's file: a different UID, so one calendar keeps both.
    with Store(tmp_path / "other-team.db") as other:
        theirs = other.database_id()
    ours = meeting["store"].database_id()
    assert len(ours) == 32 and ours != theirs
    assert nt.commitment_uid(7, ours) != nt.commitment_uid(7, theirs)


def test_two_exports_of_the_same_notes_are_identical_so_calendars_update(meeting):
    store = meeting["store"]
    again = nt.gather_notes(
        store, meeting["standup"].id, proposals=lambda d: [Proposal("P-7", "Quote the median time to fill")]
    )
    assert nt.to_ics(again) == nt.to_ics(meeting["data"])
    assert nt.to_markdown(again) == nt.to_markdown(meeting["data"])


def test_an_accepted_proposal_is_the_chosen_one(meeting):
    store = meeting["store"]
    store.resolve_dispute(meeting["dispute"].id, "Quote the median", "P-7", [])
    data = nt.gather_notes(
        store,
        meeting["standup"].id,
        proposals=lambda d: [Proposal("P-1", "Something else"), Proposal("P-7", "Quote the median")],
    )
    proposal = data.disputes[0].proposal
    assert proposal.accepted and proposal.id == "P-7"
    assert "- **Chosen proposal:** Quote the median" in nt.to_markdown(data)


def test_notes_of_a_running_standup_say_so(meeting):
    store = meeting["store"]
    running = store.start_standup(
        Standup(started_at=dt.datetime(2026, 11, 26, 10, 0), items=[StandupItem(section="wins", title="A quiet week")])
    )
    data = nt.gather_notes(store, running.id)
    assert data.ended_at is None and data.minutes is None
    assert "(still running)" in nt.to_markdown(data)
    # Everything the earlier standups left open is carried forward.
    assert {c.id for c in data.carried_forward} >= {meeting["carried"].id, meeting["made"][0].id}


def shipped_rules(store) -> dict:
    """The proposals and fallbacks of the shipped pack, handed over as the console and the CLI hand theirs."""
    from mediation_console.console.core.rules.service import Mediator

    mediator = Mediator(store, include_user_pack=False)
    return {"proposals": nt.proposals_by(mediator), "fallbacks": nt.fallbacks_by(mediator)}


def test_exported_notes_without_a_mediator_list_the_disputes_with_no_proposal_from_any_pack(meeting):
    # No silent default: a caller that hands over no rules gets no proposal, never the shipped pack's
    # in place of the lead's.
    data = nt.gather_notes(meeting["store"], meeting["standup"].id)
    assert data.disputes and all(d.proposal is None for d in data.disputes)
    assert (
        nt.gather_notes(meeting["store"], meeting["standup"].id, **shipped_rules(meeting["store"])).disputes[0].proposal
    )


def test_exported_notes_spell_out_what_each_side_gives_and_gets_never_a_python_tuple(meeting):
    # The shipped rules, as `mediate export notes` uses them: their gives and gets are tuples of sentences.
    data = nt.gather_notes(meeting["store"], meeting["standup"].id, **shipped_rules(meeting["store"]))
    proposal = data.disputes[0].proposal
    assert proposal is not None and proposal.sales_gives and proposal.recruiting_gets
    tuple_repr = re.compile(r"\(\s*(['\"]|&#39;|&#34;|&quot;)[^)]*(['\"]|&#39;|&#34;|&quot;)\s*,")
    for fmt in ("md", "html", "json"):
        text = str(nt.render(data, fmt))
        assert "Sales gives" in text or "sales_gives" in text
        assert not tuple_repr.search(text), fmt
    md = nt.to_markdown(data)
    assert f"  - Sales gives: {nt.markdown_text(proposal.sales_gives)}; gets: " in md


def test_notes_list_only_what_the_meeting_reached_and_say_what_waits(meeting):
    store = meeting["store"]
    standup = meeting["standup"]
    # The meeting walked the first item and then ended: the dispute further down was never reached.
    fresh = store.start_standup(
        Standup(
            started_at=dt.datetime(2026, 11, 27, 9, 0),
            items=[
                i.model_copy(update={"id": None, "notes": "", "decision": "", "done": index == 0})
                for index, i in enumerate(standup.items)
            ]
            + [StandupItem(section="disputes", title="+3 more open disputes", detail="press + to add them")],
        )
    )
    store.update_standup(fresh.model_copy(update={"ended_at": dt.datetime(2026, 11, 27, 9, 5), "current_item": 0}))
    data = nt.gather_notes(store, fresh.saved_id)
    assert data.disputes == []
    assert meeting["dispute"].code in [i.link for i in data.not_reached]
    assert data.left_off == ["3 more open disputes (open disputes)"]
    md = nt.to_markdown(data)
    assert "## Disputes discussed" not in md
    assert "- 3 more open disputes (open disputes), left off to fit the meeting" in md
    assert f"- {meeting['dispute'].code} {meeting['req'].code}: Client promised a hire by 10 Dec — open disputes" in md


def test_an_unknown_standup_is_a_clear_error(meeting):
    with pytest.raises(LookupError, match="There is no standup 99"):
        nt.gather_notes(meeting["store"], 99)


def test_exports_are_written_readable_by_the_owner_only(tmp_path, meeting):
    target = tmp_path / "notes.md"
    target.write_text("old")
    target.chmod(0o644)
    nt.write_private(target, nt.to_markdown(meeting["data"]), force=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("# Standup")


def test_mediate_export_notes_writes_each_format_privately(tmp_path, meeting):
    from click.testing import CliRunner

    from mediation_console.console.cli import cli

    db = str(meeting["store"].path)
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db, "export", "notes"])
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("# Standup Thursday 26 November 2026")
    for fmt in ("html", "json", "ics"):
        target = tmp_path / f"notes.{fmt}"
        result = runner.invoke(
            cli,
            [
                "--db",
                db,
                "export",
                "notes",
                "--standup",
                str(meeting["standup"].id),
                "--format",
                fmt,
                "-o",
                str(target),
            ],
        )
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert nt.notes_from_json((tmp_path / "notes.json").read_text()).standup.id == meeting["standup"].id
    assert b"BEGIN:VEVENT" in (tmp_path / "notes.ics").read_bytes()


def test_mediate_export_notes_without_a_standup_says_so(tmp_path):
    from click.testing import CliRunner

    from mediation_console.console.cli import cli

    Store(tmp_path / "empty.db").close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "empty.db"), "export", "notes"])
    assert result.exit_code == 1
    assert "There is no standup yet" in result.output
    unknown = CliRunner().invoke(cli, ["--db", str(tmp_path / "empty.db"), "export", "notes", "--standup", "7"])
    assert unknown.exit_code == 1 and "There is no standup 7" in unknown.output


def test_slack_notes_read_right_when_pasted_into_slack(meeting):
    slack = nt.render(meeting["data"], "slack")
    assert mrkdwn_problems(slack) == []
    assert slack.startswith("*Standup Thursday 26 November 2026*\n")
    assert "*Facilitator:* Lee Lead" in slack
    assert "*Action items*" in slack
    assert f"☐ *Sam Sales*: Tell Acme the realistic date — due Fri 27 Nov ({meeting['req'].code})" in slack
    # Hostile text can neither mention the channel nor link: Slack's three escapes, and still readable.
    assert "&lt;script&gt;alert('x')&lt;/script&gt; \"Tom &amp; Jerry's\"" in slack
    assert "\x1b" not in slack and "␛]0;pwned" in slack


def test_the_mrkdwn_check_catches_markdown(meeting):
    problems = mrkdwn_problems(nt.to_markdown(meeting["data"]))
    assert any("** is not bold" in p for p in problems)
    assert any("# headings" in p for p in problems)


def test_mediate_export_notes_quotes_the_proposals_of_the_rules_pack_it_is_given(tmp_path, meeting):
    # As in the console: `mediate --rules PACK export notes` quotes that pack's proposals (it used the
    # shipped pack whatever --rules said).
    from click.testing import CliRunner

    from mediation_console.console.cli import cli

    db = str(meeting["store"].path)
    shipped = (
        nt.gather_notes(meeting["store"], meeting["standup"].id, **shipped_rules(meeting["store"])).disputes[0].proposal
    )
    assert shipped is not None
    pack = tmp_path / "ours.toml"
    pack.write_text(
        f'[[proposals]]\nid = "{shipped.id}"\ntitle = "Our own words: quote the median"\n', encoding="utf-8"
    )
    runner = CliRunner()
    plain = runner.invoke(cli, ["--db", db, "export", "notes"])
    ours = runner.invoke(cli, ["--db", db, "--rules", str(pack), "export", "notes"])
    assert plain.exit_code == ours.exit_code == 0, ours.output
    assert shipped.title in plain.stdout and "Our own words" not in plain.stdout
    assert "Our own words: quote the median" in ours.stdout and shipped.title not in ours.stdout
    # A pack the rules refuse is said, as for every other command (exit 1), not quietly left out.
    pack.write_text("[grades]\nA = 40\nB = 45\n", encoding="utf-8")
    refused = runner.invoke(cli, ["--db", db, "--rules", str(pack), "export", "notes"])
    assert refused.exit_code == 1 and "B (45) must be below A (40)" in refused.output


def test_mediate_export_notes_takes_its_format_from_the_file_name_when_none_is_given(tmp_path, meeting):
    from click.testing import CliRunner

    from mediation_console.console.cli import cli

    db = str(meeting["store"].path)
    runner = CliRunner()
    for name, starts in (("n.ics", b"BEGIN:VCALENDAR"), ("n.html", b"<!doctype html"), ("n.txt", b"# Standup")):
        result = runner.invoke(cli, ["--db", db, "export", "notes", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().lower().startswith(starts.lower()), name
    given = runner.invoke(cli, ["--db", db, "export", "notes", "--format", "md", "-o", str(tmp_path / "x.ics")])
    assert given.exit_code == 0 and (tmp_path / "x.ics").read_bytes().startswith(b"# Standup")  # --format wins

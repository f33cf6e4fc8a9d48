"""The commitments digest: what each person promised, when it is due, what they kept and missed, and
their follow-through with the commitments it counts, as Markdown, Slack mrkdwn and a calendar."""

from __future__ import annotations

import datetime as dt
import re
import stat

import icalendar
import pytest
from click.testing import CliRunner

from mediation_console.console.cli import cli
from mediation_console.console.core import commitment_digest as cd
from mediation_console.console.core.notes import commitment_uid
from mediation_console.console.core.track_record import track_record
from mediation_console.db.models import Commitment, DisputeCategory, Person, Requisition, Team
from mediation_console.db.store import Store
from tests.conftest import Clock
from tests.helpers import raise_dispute
from tests.mrkdwn import mrkdwn_problems

TODAY = dt.date(2026, 11, 20)
HOSTILE = "Send **the** # list <script>x</script> & <!channel> \x1b[31mnow"


@pytest.fixture
def team(tmp_path):
    """Sam (sales) owes two open promises (one overdue) and decided five in 90 days; an older one and a
    cancelled one do not count; Rita (recruiting) owes one; Lee (lead) owes nothing."""
    clock = Clock(dt.datetime(2026, 7, 1, 9, 0))
    store = Store(tmp_path / "digest.db", now=clock)
    sam = store.add_person(Person(name="Sam Sales", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    store.add_person(Person(name="Lee Lead", team=Team.LEAD))
    req = store.add_requisition(Requisition(title="Backend developer", client="Acme", sales_owner_id=sam.id))
    dispute = raise_dispute(
        store, rita, sam, DisputeCategory.PAY_BELOW_MARKET, "Pay is under market", about=req, severity=2
    )

    def promise(owner: Person, text: str, due: dt.date, **links: int | None) -> Commitment:
        return store.add_commitment(Commitment(owner_id=owner.saved_id, text=text, due=due, **links))

    def decide(c: Commitment, status: str, on: dt.date) -> None:
        clock.at = dt.datetime.combine(on, dt.time(16, 0))
        store.set_commitment_status(c.saved_id, status, reason="cancelled by the client" * (status == "cancelled"))

    # Long ago: decided before the 90-day window, so not in the figure nor in the list.
    decide(promise(sam, "Old promise", dt.date(2026, 7, 10)), "missed", dt.date(2026, 7, 11))
    clock.at = dt.datetime(2026, 9, 1, 9, 0)
    early = promise(sam, "Take market data to Acme", dt.date(2026, 11, 18), requisition_id=req.id)
    late = promise(sam, "Book the joint intake", dt.date(2026, 10, 5), dispute_id=dispute.id)
    missed = promise(sam, "Write 48 h feedback into the terms", dt.date(2026, 11, 2))
    on_time = promise(sam, "Rank the queue", dt.date(2026, 9, 20))
    missed_first = promise(sam, "Cap new C requisitions", dt.date(2026, 8, 30))
    cancelled = promise(sam, "Call the hiring manager", dt.date(2026, 11, 1))
    decide(early, "kept", dt.date(2026, 11, 16))  # kept two days early: counts on 16 Nov
    decide(late, "kept", dt.date(2026, 10, 8))  # kept three days late
    decide(missed, "missed", dt.date(2026, 11, 3))
    decide(on_time, "kept", dt.date(2026, 9, 20))
    # Missed late, it counts on its due date, 30 Aug: inside the window (23 Aug to 20 Nov).
    decide(missed_first, "missed", dt.date(2026, 9, 2))
    decide(cancelled, "cancelled", dt.date(2026, 11, 1))
    clock.at = dt.datetime(2026, 11, 19, 9, 0)
    overdue = promise(sam, HOSTILE, dt.date(2026, 11, 17), requisition_id=req.id)
    soon = promise(sam, "Send the revised salary band", dt.date(2026, 11, 23), dispute_id=dispute.id)
    rita_owes = promise(rita, "Send three calibration profiles", dt.date(2026, 11, 20), dispute_id=dispute.id)
    clock.at = dt.datetime.combine(TODAY, dt.time(9, 30))
    yield {
        "store": store,
        "sam": sam,
        "rita": rita,
        "req": req,
        "dispute": dispute,
        "overdue": overdue,
        "soon": soon,
        "rita_owes": rita_owes,
        "decided": [missed_first, on_time, late, missed, early],
    }
    store.close()


def test_a_persons_digest_lists_what_they_owe_and_what_they_kept_and_missed(team):
    digest = cd.gather_digest(team["store"], team["sam"], TODAY)
    [sam] = digest.people
    assert [c.text for c in sam.open] == [HOSTILE, "Send the revised salary band"]
    assert sam.open[0].overdue and sam.open[0].when == "due Tue 17 Nov 2026, overdue by 3 days"
    assert sam.open[1].when == "due Mon 23 Nov 2026, in 3 days"
    assert sam.open[0].link == team["req"].code and sam.open[1].link == team["dispute"].code
    # The list under the figure is the figure's sample: the old, the cancelled and Rita's are not in it.
    assert [c.id for c in sam.decided] == [c.id for c in team["decided"]]
    assert [c.status for c in sam.decided] == ["missed", "kept", "kept", "missed", "kept"]
    assert sam.decided[2].when == "due Mon 05 Oct 2026, kept Thu 08 Oct 2026, 3 days late"
    assert sam.decided[4].when == "due Wed 18 Nov 2026, kept Mon 16 Nov 2026"


def test_the_digests_follow_through_is_the_track_records_with_its_sample(team):
    digest = cd.gather_digest(team["store"], team["sam"], TODAY)
    [sam] = digest.people
    record = next(r for r in track_record(team["store"]).people if r.subject == "Sam Sales")
    assert sam.follow_through_90.rate == pytest.approx(record.follow_through_90)
    assert sam.follow_through_30.rate == pytest.approx(record.follow_through_30)
    assert (sam.follow_through_90.kept, sam.follow_through_90.missed) == (record.kept, record.missed)
    assert sam.follow_through_90.kept + sam.follow_through_90.missed == len(sam.decided)
    assert sam.follow_through_90.sentence == (
        "60 % over the last 90 days (3 kept of 5 decided, 2 missed; 1 of them kept late)"
    )
    # 30 days back from 20 Nov: the promise kept early on 16 Nov and the one missed on 2 Nov.
    assert sam.follow_through_30.sentence == "50 % over the last 30 days (1 kept of 2 decided, 1 missed)"


def test_nobody_decided_reads_as_no_data_not_100_percent(team):
    [rita] = cd.gather_digest(team["store"], team["rita"], TODAY).people
    assert rita.follow_through_90.rate is None
    assert "no kept or missed commitment in the last 90 days (no data, not 100 %)" in cd.to_markdown(
        cd.gather_digest(team["store"], team["rita"], TODAY)
    )
    assert rita.open[0].when == "due today, Fri 20 Nov 2026"


def test_the_markdown_digest_reads_as_a_persons_page_and_shows_typed_text_as_typed(team):
    text = cd.to_markdown(cd.gather_digest(team["store"], team["sam"], TODAY))
    assert text.startswith("# Commitments of Sam Sales\n\nSales · as of Fri 20 Nov 2026 · 2 open, 1 overdue\n")
    assert "## Open (2)" in text and "## Kept and missed, last 90 days (5)" in text
    assert "**Follow-through:** 60 % over the last 90 days" in text
    assert "- [ ] Send the revised salary band — due Mon 23 Nov 2026, in 3 days (D-" in text
    # Decided ones carry no checkbox: a missed promise is not one still to tick off.
    assert "- ✓ Kept: Book the joint intake — due Mon 05 Oct 2026, kept Thu 08 Oct 2026, 3 days late" in text
    assert (
        "- ✗ Missed: Write 48 h feedback into the terms — due Mon 02 Nov 2026, missed (decided Tue 03 Nov 2026)" in text
    )
    assert text.count("- [ ] ") == 2  # only the two open ones
    # Typed text can open no Markdown (bold, heading, HTML) and sends no escape to a terminal.
    assert r"Send \*\*the\*\* \# list \<script\>x\</script\> \& \<!channel\>" in text
    assert "\x1b" not in text
    assert "Old promise" not in text and "Call the hiring manager" not in text


def test_the_teams_digest_has_everyone_who_owes_or_decided_something(team):
    digest = cd.gather_digest(team["store"], None, TODAY)
    assert [p.name for p in digest.people] == ["Rita Recruiter", "Sam Sales"]  # Lee owes nothing
    text = cd.to_markdown(digest)
    assert text.startswith(
        "# Commitments of the team\n\nAs of Fri 20 Nov 2026 · 2 people with commitments · 3 open, 1 overdue"
    )
    assert "## Rita Recruiter (Recruiting)" in text and "## Sam Sales (Sales)" in text
    assert "### Open (1)" in text and "### Open (2)" in text


def test_the_slack_digest_reads_right_when_pasted_into_slack(team):
    slack = cd.to_slack(cd.gather_digest(team["store"], None, TODAY))
    # The digest's own markup is mrkdwn; the stars someone typed stay as typed (Slack has no escape for them).
    assert [p for p in mrkdwn_problems(slack) if "Send **the**" not in p] == []
    assert slack.startswith("*Commitments of the team*\n")
    assert "*Sam Sales* (Sales)" in slack
    assert "*Follow-through:* 60 % over the last 90 days" in slack
    # Nobody can ping the channel or link through a commitment's text.
    assert "&lt;!channel&gt;" in slack and "<!channel>" not in slack
    assert "*due Tue 17 Nov 2026, overdue by 3 days*" in slack


def test_the_digests_calendar_parses_with_one_event_per_open_commitment(team):
    digest = cd.gather_digest(team["store"], None, TODAY)
    calendar = icalendar.Calendar.from_ical(cd.to_ics(digest))
    events = list(calendar.walk("VEVENT"))
    database = team["store"].database_id()
    assert {str(e["uid"]) for e in events} == {
        commitment_uid(team[k].saved_id, database) for k in ("overdue", "soon", "rita_owes")
    }
    rita = next(e for e in events if "Rita" in str(e["summary"]))
    assert rita.decoded("dtstart") == dt.date(2026, 11, 20)
    assert str(rita["summary"]) == "Rita Recruiter: Send three calibration profiles"
    assert "no data, not 100 %" in str(rita["description"])
    assert all("\x1b" not in str(e["summary"]) for e in events)
    # The same commitments, exported again, give the same file (DTSTAMP comes from the records).
    assert cd.to_ics(cd.gather_digest(team["store"], None, TODAY)) == cd.to_ics(digest)


def test_mediate_export_commitments_for_an_unknown_owner_suggests_the_name(team):
    db = str(team["store"].path)
    runner = CliRunner()
    typo = runner.invoke(cli, ["--db", db, "export", "commitments", "--owner", "Sam Sale"])
    assert typo.exit_code == 1
    assert "There is nobody called 'Sam Sale' in the team; did you mean 'Sam Sales'?" in typo.output
    first_name = runner.invoke(cli, ["--db", db, "export", "commitments", "--owner", "rita"])
    assert first_name.exit_code == 1 and "did you mean 'Rita Recruiter'?" in first_name.output
    nobody = runner.invoke(cli, ["--db", db, "export", "commitments", "--owner", "Zed Zulu"])
    assert nobody.exit_code == 1
    assert "There is nobody called 'Zed Zulu' in the team of 3 people" in nobody.output
    assert "Traceback" not in typo.output + first_name.output + nobody.output


def test_mediate_export_commitments_writes_a_private_file_in_the_format_of_its_name(team, tmp_path):
    db = str(team["store"].path)
    runner = CliRunner()
    shown = runner.invoke(cli, ["--db", db, "export", "commitments", "--owner", "sam sales"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("# Commitments of Sam Sales\n")
    target = tmp_path / "sam.ics"
    written = runner.invoke(cli, ["--db", db, "export", "commitments", "--owner", "Sam Sales", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    events = list(icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT"))
    assert len(events) == 2 and all(str(e["summary"]).startswith("Sam Sales: ") for e in events)
    again = runner.invoke(cli, ["--db", db, "export", "commitments", "-o", str(target)])
    assert again.exit_code == 2 and "exists" in again.output
    slack = runner.invoke(cli, ["--db", db, "export", "commitments", "--format", "slack"])
    assert slack.exit_code == 0 and re.match(r"\*Commitments of the team\*\n", slack.output)

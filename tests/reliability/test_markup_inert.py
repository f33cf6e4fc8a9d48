"""Finding 12 of issue 21: exports carry text, never markup from it; bidi controls refused at input.

The Markdown notes are rendered with a CommonMark renderer (markdown-it-py) and compared with the
same notes holding plain words: what was typed may change the words, never the structure (no image,
link, HTML, heading, list item, quote, rule or code block comes from it).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter

import pytest
from markdown_it import MarkdownIt
from pydantic import ValidationError

from mediation_console.console.core import notes as nt
from mediation_console.console.core.database import open_store
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
from mediation_console.db.text import WORD_JOINER, markdown_text
from tests.helpers import raise_dispute
from tests.reliability.helpers import mediate

NOW = dt.datetime(2026, 11, 26, 9, 0)

# Every payload of finding 12, one a line, as someone would paste them into the meeting's notes.
PAYLOAD_LINES = [
    "![pixel](https://tracker.example/p.gif)",
    "[Approve budget](javascript:alert(document.cookie))",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "# Fake heading",
    "- [x] Fake checked action item",
    "```",
    "<https://auto.example/x>",
    "Fake setext heading",
    "===",
    "1. fake ordered item",
    "> fake quote",
    "    indented code",
    "&lt;b&gt; entity",
    "***",
    "| a | b |",
    "~~~",
    # What a wiki's or chat's autolinker links: a bare URL, www., a domain, an email, a mention.
    "https://tracker.example/bare.gif",
    "www.tracker.example/x",
    "tracker.com/p.gif",
    "mail tom@evil.example @channel",
    # Slack's own formatting.
    "*bold claim* _italic_ ~struck~ `code`",
    "```unclosed Slack fence",
    "<!channel> <@U123> <https://evil.example|Approve>",
]
PAYLOAD = "\n".join(PAYLOAD_LINES)
PLAIN = "\n".join(f"plain words {n}" for n, _ in enumerate(PAYLOAD_LINES))
ONE_LINE = "![p](https://tracker.example/p.gif) [ok](javascript:x) <b>bold</b> # not a heading"
STRUCTURE = (
    "heading_open",
    "list_item_open",
    "link_open",
    "image",
    "html_block",
    "html_inline",
    "fence",
    "code_block",
    "code_inline",
    "blockquote_open",
    "hr",
    "table_open",
    "em_open",
    "strong_open",
    "s_open",
)


def _notes_holding(tmp_path, text: str, line: str) -> nt.NotesData:
    store = open_store(tmp_path / f"notes-{abs(hash(text))}.db", now=lambda: NOW)
    sam = store.add_person(Person(name=f"Sam {line}"[:80], team=Team.SALES))
    rita = store.add_person(Person(name="Rita", team=Team.RECRUITING))
    req = store.add_requisition(Requisition(title=line, client=line, sales_owner_id=sam.id))
    interests = {"sales_interest": text, "recruiting_interest": text}
    dispute = raise_dispute(store, sam, rita, DisputeCategory.OVERPROMISED_TIMELINE, line, about=req, **interests)
    standup = store.start_standup(
        Standup(
            started_at=NOW,
            ended_at=NOW + dt.timedelta(minutes=15),
            facilitator_id=rita.id,
            attendees=[Attendee(person_id=sam.id), Attendee(person_id=rita.id)],
            blockers=text,
            items=[
                StandupItem(section="disputes", title=line, dispute_id=dispute.id, notes=text, decision=text),
                StandupItem(section="wins", title=line, detail=line),
            ],
        )
    )
    store.add_commitment(
        Commitment(
            owner_id=sam.id,
            text=line,
            due=dt.date(2026, 11, 27),
            standup_id=standup.id,
            source=CommitmentSource.STANDUP,
        )
    )
    data = nt.gather_notes(store, standup.id)
    store.close()
    return data


def _structure(markdown: str) -> Counter[str]:
    renderer = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    counts: Counter[str] = Counter()

    def walk(tokens):
        for token in tokens:
            if token.type in STRUCTURE:
                counts[token.type] += 1
            if token.children:
                walk(token.children)

    walk(renderer.parse(markdown))
    return counts


def test_markdown_notes_render_typed_markup_as_the_same_text(tmp_path):
    hostile = nt.render(_notes_holding(tmp_path, PAYLOAD, ONE_LINE), "md")
    plain = nt.render(_notes_holding(tmp_path, PLAIN, "plain line"), "md")
    assert _structure(hostile) == _structure(plain)  # the notes' own structure, nothing more
    html = MarkdownIt("commonmark").render(hostile)
    for tag in ("<img", "<script", "<a ", "<pre", "<blockquote", "<table"):
        assert tag not in html, tag
    # ...and the reader sees what was typed.
    assert "# Fake heading" in html and "![pixel](https://tracker.example/p.gif)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "- [x] Fake checked action item" in html


@pytest.mark.parametrize("line", PAYLOAD_LINES)
def test_each_payload_alone_renders_as_one_paragraph_of_its_own_text(line):
    html = MarkdownIt("commonmark").render(markdown_text(line))
    assert html.startswith("<p>") and html.count("<") == 2, html


def test_every_export_format_of_hostile_notes_is_inert(tmp_path):
    data = _notes_holding(tmp_path, PAYLOAD + "\n\x1b]52;c;cm0=\x07 \x1b[2J \x9b1m", ONE_LINE)
    for fmt in nt.FORMATS:
        out = nt.render(data, fmt)
        text = out.decode() if isinstance(out, bytes) else out
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text, fmt
        if fmt == "html":
            assert "<script>" not in text and "<img" not in text
        if fmt == "json":
            assert "![pixel](https://tracker.example/p.gif)" in json.dumps(json.loads(text))


BIDI_NAME = "invoice\u202efdp.exe"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Person(name=BIDI_NAME, team=Team.SALES),
        lambda: Requisition(title=BIDI_NAME, client="C", sales_owner_id=1),
        lambda: Requisition(title="T", client="Acme\u2066x\u2069", sales_owner_id=1),
        lambda: Commitment(owner_id=1, text=f"Send {BIDI_NAME}", due=dt.date(2026, 12, 1)),
    ],
    ids=["person name", "requisition title", "client", "commitment"],
)
def test_bidi_controls_in_names_and_one_line_fields_are_refused_at_input(build):
    with pytest.raises(ValidationError) as refused:
        build()
    assert "U+202E" in str(refused.value) or "U+2066" in str(refused.value)
    assert "reorder" in str(refused.value)


def test_a_stored_bidi_name_still_reads_and_is_shown_marked(tmp_path):
    """Rows written before the refusal (or by another tool) stay readable: shown inert, not lost."""
    path = tmp_path / "old.db"
    store = open_store(path, now=lambda: NOW)
    store.add_person(Person(name="Sam", team=Team.SALES))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE people SET name = ?", (BIDI_NAME,))
    store = open_store(path, now=lambda: NOW)
    try:
        assert store.list_people()[0].name == BIDI_NAME
    finally:
        store.close()


def test_an_import_rejects_a_row_whose_name_hides_a_bidi_control(tmp_path):
    crafted = tmp_path / "bidi.csv"
    crafted.write_text(f"Job Title,Company,Owner\nAnalyst,Initech,Sam {BIDI_NAME}\n", encoding="utf-8")
    result = mediate("import", "requisitions", "--create-people", str(crafted), "--db", str(tmp_path / "t.db"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "row 2" in result.stderr and "U+202E" in result.stderr, result.stderr
    assert "\u202e" not in result.stderr


def test_markdown_notes_linkified_as_a_wiki_does_carry_no_link_from_user_text(tmp_path):
    """GitHub, GitLab and most wikis link bare URLs, www. and emails (GFM autolinks): the finding's
    `![pixel](https://tracker.example/p.gif)` became a link to the tracker there."""
    wiki = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table", "strikethrough"])
    hostile = nt.render(_notes_holding(tmp_path, PAYLOAD, ONE_LINE), "md")
    plain = nt.render(_notes_holding(tmp_path, PLAIN, "plain line"), "md")
    html = wiki.render(hostile)
    assert "<a " not in html and "<img" not in html, [line for line in html.splitlines() if "<a " in line][:3]
    assert html.count("<a ") == wiki.render(plain).count("<a ")
    assert "https://tracker.example/bare.gif" in html and "tom@evil.example" in html  # shown as typed


def test_slack_notes_carry_no_formatting_link_or_mention_from_user_text(tmp_path):
    from tests.mrkdwn import mrkdwn_problems, slack_markup

    hostile = nt.render(_notes_holding(tmp_path, PAYLOAD, ONE_LINE), "slack")
    plain = nt.render(_notes_holding(tmp_path, PLAIN, "plain line"), "slack")
    assert slack_markup(hostile) == slack_markup(plain)  # the notes' own bold titles, nothing more
    assert slack_markup(hostile)["autolink"] == 0
    assert mrkdwn_problems(hostile) == []
    # What was typed is all there once the invisible word joiners are taken out.
    shown = hostile.replace(WORD_JOINER, "")
    for line in ("*bold claim* _italic_ ~struck~ `code`", "mail tom@evil.example @channel", "tracker.com/p.gif"):
        assert line in shown, line
    assert "&lt;!channel&gt; &lt;@U123&gt;" in shown


ICS_PROPERTIES = (
    "BEGIN",
    "END",
    "VERSION",
    "PRODID",
    "CALSCALE",
    "METHOD",
    "X-WR-CALNAME",
    "SUMMARY",
    "DTSTART",
    "DTEND",
    "DTSTAMP",
    "UID",
    "CATEGORIES",
    "DESCRIPTION",
    "STATUS",
    "TRANSP",
    "SEQUENCE",
    "LAST-MODIFIED",
)


@pytest.mark.parametrize("fmt", nt.FORMATS)
def test_notes_holding_every_payload_exported_by_the_cli_in_each_format_carry_none_of_it(tmp_path, fmt):
    """The acceptance of finding 12 as the lead meets it: `mediate export notes --format F -o FILE`."""
    from tests.mrkdwn import slack_markup

    _notes_holding(tmp_path, PAYLOAD + "\nATTACH:https://tracker.example/i.gif", ONE_LINE)
    (db,) = tmp_path.glob("notes-*.db")
    out = tmp_path / f"notes.{fmt}"
    result = mediate("export", "notes", "--db", str(db), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    if fmt == "md":
        wiki = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table", "strikethrough"])
        html = wiki.render(text)
        for tag in ("<a ", "<img", "<script", "<pre", "<blockquote", "<table"):
            assert tag not in html, tag
        assert "![pixel](https://tracker.example/p.gif)" in html  # the reader sees what was typed
    elif fmt == "slack":
        assert slack_markup(text)["autolink"] == 0 and slack_markup(text)["link or mention"] == 0
        assert slack_markup(text)["pre"] == 0 and slack_markup(text)["quote"] == 0
    elif fmt == "html":
        assert "<script>" not in text and "<img" not in text and 'href="javascript' not in text.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    elif fmt == "json":
        assert "![pixel](https://tracker.example/p.gif)" in json.dumps(json.loads(text))  # lossless
    else:  # ics: user text never starts a line of its own (a property such as ATTACH or URL)
        for line in text.splitlines():
            assert line.startswith(" ") or line.split(":")[0].split(";")[0] in ICS_PROPERTIES, line


@pytest.mark.parametrize("fmt", ["md", "slack", "ics"])
def test_the_commitments_digest_holding_every_payload_carries_none_of_it(tmp_path, fmt):
    """The other export pasted into wikis and Slack (`mediate export commitments`), same escaping."""
    from tests.mrkdwn import slack_markup

    _notes_holding(tmp_path, PAYLOAD, ONE_LINE)
    (db,) = tmp_path.glob("notes-*.db")
    store = open_store(db, now=lambda: NOW)
    try:
        sam = store.list_people()[0]
        for line in PAYLOAD_LINES:
            store.add_commitment(Commitment(owner_id=sam.saved_id, text=line, due=dt.date(2026, 11, 30)))
    finally:
        store.close()
    out = tmp_path / f"digest.{fmt}"
    result = mediate("export", "commitments", "--db", str(db), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    text = out.read_text(encoding="utf-8")
    if fmt == "md":
        wiki = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table", "strikethrough"])
        html = wiki.render(text)
        for tag in ("<a ", "<img", "<script", "<pre", "<blockquote", "<table", "<h1>Fake"):
            assert tag not in html, tag
        assert "[Approve budget](javascript:alert(document.cookie))" in html
    elif fmt == "slack":
        counts = slack_markup(text)
        assert counts["autolink"] == counts["link or mention"] == counts["pre"] == counts["quote"] == 0, counts
        assert counts["code"] == counts["italic"] == counts["strike"] == 0, counts
    else:
        for line in text.splitlines():
            assert line.startswith(" ") or line.split(":")[0].split(";")[0] in ICS_PROPERTIES, line

"""Hypothesis strategies for the text a console meets in the wild: pasted, imported or typed in anger."""

from __future__ import annotations

from hypothesis import strategies as st

# Escape sequences that would clear the screen, retitle the window, hide a link or move the cursor,
# text that looks like SQL or FTS5 syntax, and characters that reorder or vanish on screen.
NASTY = [
    "\x1b[2J\x1b[H",
    "\x1b]0;pwned\x07",
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x1b[31mred\x1b[0m",
    "\x9b31m",
    "\x1bP+q\x1b\\",
    "\x07",
    "\x00",
    "\r",
    "\r\n",
    "\t",
    "\x7f",
    "\x85",
    "'; DROP TABLE requisitions; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM events;--",
    "NEAR(a b)",
    "title:foo",
    "{code title}: x",
    "AND OR NOT",
    "*",
    '"',
    "^start",
    "a-b-c",
    "%_%",
    "\u202eevil\u202c",
    "\u2066isolate\u2069",
    "\u200b",
    "\ufeff",
    "e\u0301",
    "Å",
    "東京",
    "🧑‍💼",
    "\U0010ffff",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&amp;",
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "|calc",
    "{{ 7*7 }}",
    "{% raw %}",
    "${jndi:ldap://x}",
]

fragment = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=10),  # even lone surrogates
    st.sampled_from(NASTY),
    st.integers(1, 120_000).map(lambda n: "x" * n),  # past every length limit, sometimes far past
)
hostile_text = st.lists(fragment, max_size=5).map("".join)
# Mostly short text with the odd huge one: huge strings are slow and their outcome is always the same.
hostile_line = st.one_of(
    st.lists(st.one_of(st.text(max_size=30), st.sampled_from(NASTY)), max_size=4).map("".join), hostile_text
)

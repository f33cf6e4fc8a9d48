"""Facts, fillability scorecards and win/win proposals from data-driven rule packs (no Textual, no SQL)."""

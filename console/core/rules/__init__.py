"""Facts, fillability scorecards and win/win proposals from data-driven rule packs (no Textual, no SQL)."""

from mediation_console.console.core.rules.parser_tables import install

install()  # rule-engine's parser tables, shipped: importing it takes ~70 ms instead of ~330 (see parser_tables)

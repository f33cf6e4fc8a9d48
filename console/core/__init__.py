"""The headless core: rules, agenda, meeting, notes, metrics, track record. Never imports Textual."""

"""The headless core (rules, agenda, notes) and the app shell and command line."""

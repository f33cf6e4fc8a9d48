"""Widgets the screens share: the paged table."""

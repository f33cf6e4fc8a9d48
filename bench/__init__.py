"""Benchmarks that print figures against their targets; run by `make bench`, never by the tests."""

"""Incremental tallies, one module per activity kind; use them through ``server.domain.tally``."""

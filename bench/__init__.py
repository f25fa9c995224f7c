"""Kring's load generator and benchmarks: `python -m bench smoke|all`."""

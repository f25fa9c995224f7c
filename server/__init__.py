"""Kring: live group polling for facilitators of workshops and learning networks."""

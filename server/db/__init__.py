"""Persistence: SQLModel tables, the engine and small query helpers."""

"""Use cases: the one place where the domain and the database meet. They return events."""

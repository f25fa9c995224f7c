"""DomainError: every refusal carries a stable code and a message that names the problem."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"

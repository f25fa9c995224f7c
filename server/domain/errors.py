"""DomainError and its codes: every refusal carries a stable code and a message naming the problem."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """The codes the domain refuses with; clients switch on these, so they never change spelling."""

    TEXT_TOO_LONG = "text_too_long"
    TEXT_EMPTY = "text_empty"
    CONTROL_CHARACTERS = "control_characters"
    NONCHARACTER = "noncharacter"  # U+FFFF, U+10FFFF, U+FDD0..U+FDEF: never text
    COMBINING_MARKS = "combining_marks"  # more marks stacked on one letter than any script needs
    WRONG_KIND = "wrong_kind"  # the payload's shape does not fit the activity kind
    INVALID_SLOT = "invalid_slot"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    TOO_MANY_PICKS = "too_many_picks"
    UNKNOWN_STATEMENT = "unknown_statement"
    UNKNOWN_ITEM = "unknown_item"  # a grid item past the last
    UNKNOWN_OPTION = "unknown_option"
    TOO_MANY_OPTIONS = "too_many_options"
    NO_OPTION = "no_option"
    RANKING_INCOMPLETE = "ranking_incomplete"  # a full ranking is asked for, and items were left out
    POINTS_OVER_BUDGET = "points_over_budget"
    OWN_WORD = "own_word"
    UNKNOWN_WORD = "unknown_word"
    ALREADY_STEPPED_IN = "already_stepped_in"
    INVALID_SETTINGS = "invalid_settings"
    UNKNOWN_KIND = "unknown_kind"
    TOO_LATE = "too_late"  # a timed activity's deadline passed (the server's clock, at receipt)
    ANSWER_LOCKED = "answer_locked"  # this kind's answers cannot be changed or withdrawn once sent


class DomainError(Exception):
    """A refusal: ``code`` for machines, ``message`` (English) for people, ``params`` for translations."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        # A Code is a str already; keep the plain value so equality, JSON and logs all see one thing.
        self.code: str = str(code)
        self.message = message
        self.params: dict[str, object] = params

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"

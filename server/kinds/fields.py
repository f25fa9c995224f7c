"""Shared constrained types (each limit declared once) and the slot/payload helpers every kind uses."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from server.domain.errors import Code, DomainError
from server.domain.words import clean_text

OPEN_MAX_LENGTH = 280
WORD_MAX_LENGTH = 40
STATEMENT_MAX_LENGTH = 280
OPTION_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 200
CARD_MAX_LENGTH = 280
CARD_NAME_MAX_LENGTH = 60
SCALE_LIMIT = 1_000_000  # numeric scales may use any range inside ±SCALE_LIMIT ...
SCALE_MAX_VALUES = 201  # ... of at most this many values: every snapshot carries one count per value
STARS_MAX = 10
COUNT_MAX = 20  # answers per participant (open), words per participant (word cloud)

WORD_SLOT = "word"  # a check-out word's slot; a step-in on entry 7 is "in:7"
STEP_IN_PREFIX = "in:"


@dataclass(frozen=True, slots=True)
class CleanText:
    """A settings text: cleaned as answers are (server/domain/words.py), then at most ``max_length``
    characters; blank allowed (as "") when ``min_length`` is 0. Declared once per type below, read
    by pydantic (validation) and by server/kinds/reference.py (the docs)."""

    min_length: int
    max_length: int

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.clean, handler(source))

    def clean(self, value: str) -> str:
        """Settings text gets the same cleaning as answers; pydantic only reports ValueErrors."""
        if self.min_length == 0 and not value.strip():
            return ""
        try:
            return clean_text(value, max_length=self.max_length, allow_newlines=False)
        except DomainError as exc:
            raise ValueError(exc.message) from None


Statement = Annotated[str, CleanText(1, STATEMENT_MAX_LENGTH)]
Option = Annotated[str, CleanText(1, OPTION_MAX_LENGTH)]
Label = Annotated[str, CleanText(0, LABEL_MAX_LENGTH)]
Count = Annotated[int, Field(ge=1, le=COUNT_MAX)]
ScaleEnd = Annotated[int, Field(ge=-SCALE_LIMIT, le=SCALE_LIMIT)]
# Facilitator-only answers (the exploreervraag): see ActivityKind.private.
Private = Annotated[bool, Field(description="see [private activities](#post-apimeetingscodeactivities)")]


# -- payloads and slots ------------------------------------------------------------------------


def fields(kind: str, payload: Mapping[str, object], name: str | None = None) -> object:
    """The payload's one field (or none at all); any other shape is the wrong kind of answer."""
    expected = {name} if name else set()
    if set(payload) != expected:
        want = f"exactly the field {name!r}" if name else "no fields"
        got = ", ".join(repr(str(key)[:20]) for key in list(payload)[:4]) or "nothing"
        raise DomainError(Code.WRONG_KIND, f"A {kind} answer has {want}; got {got}.")
    return payload[name] if name else None


def text(value: object, kind: str, *, max_length: int, allow_newlines: bool) -> str:
    if not isinstance(value, str):
        raise DomainError(Code.WRONG_KIND, f"A {kind} answer takes text, not {type(value).__name__}.")
    return clean_text(value, max_length=max_length, allow_newlines=allow_newlines)


def word(value: object, kind: str) -> str:
    return text(value, kind, max_length=WORD_MAX_LENGTH, allow_newlines=False)


def whole_number(value: object, kind: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):  # True is an int to Python, not to us
        raise DomainError(
            Code.WRONG_KIND, f"A {kind} answer takes whole numbers, not {type(value).__name__}."
        )
    return value


def number(slot: str) -> int | None:
    """A slot number in its one canonical spelling ('3', never '03' or '٣'): slots are unique keys."""
    if not (slot.isascii() and slot.isdigit() and len(slot) <= 18) or (slot[0] == "0" and slot != "0"):
        return None
    return int(slot)


def index_slot(slot: str, count: int, what: str) -> int:
    index = number(slot)
    if index is None or index >= count:
        choices = "'0'" if count == 1 else f"'0' to '{count - 1}'"
        raise DomainError(
            Code.INVALID_SLOT, f"Slot {slot!r} does not exist; a {what} uses {choices}.", slot=slot
        )
    return index


def step_in_slot(slot: str) -> int:
    entry_id = step_in_target(slot)
    if entry_id is None:
        raise DomainError(
            Code.INVALID_SLOT,
            f"Slot {slot!r} does not exist; use 'word', or 'in:<entry id>' to step in on a word.",
            slot=slot,
        )
    return entry_id


def step_in_target(slot: str) -> int | None:
    """The word a step-in slot (``in:<entry id>``) names; None for any other slot."""
    prefix, colon, entry = slot.partition(":")
    return number(entry) if prefix == "in" and colon else None


def answer_conflict(
    slot: str,
    *,
    pick: int | None,
    held: Collection[str],
    participant: int,
    owner: int | None,
    locked: bool = False,
) -> DomainError | None:
    """Why a well-formed answer does not fit what is stored now, or None.

    ``pick``: the kind's limit of answered slots (a scales activity's picks); ``held``: the slots the
    participant holds in the activity; ``owner``: for a step-in, who holds the word it names (None:
    no word); ``locked``: the kind's answers cannot be changed once sent. Asked when the answer's
    batch is written, after resends were recognised."""
    if locked and slot in held:
        return DomainError(
            Code.ANSWER_LOCKED, "Your answer is locked once sent; it cannot be changed.", slot=slot
        )
    target = step_in_target(slot)
    if target is not None:
        if owner is None:
            return DomainError(
                Code.UNKNOWN_WORD, "That word is not (or no longer) in the circle.", entry=target
            )
        if owner == participant:
            return DomainError(Code.OWN_WORD, "You cannot step in on your own word.", entry=target)
        if slot in held:
            return DomainError(Code.ALREADY_STEPPED_IN, "You already stepped in on this word.", entry=target)
        return None
    # Changing a rating never costs a pick; rating one more statement does.
    if pick is not None and slot not in held and len(held) + 1 > pick:
        return DomainError(
            Code.TOO_MANY_PICKS,
            f"You may rate {pick} of the statements; withdraw a rating to rate this one.",
            pick=pick,
        )
    return None

"""The row change every tally folds in, the Tally base class, and signed counters that commute."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

from server.domain.activities import Kind, Settings

if TYPE_CHECKING:
    from server.domain.tallies.moderation import Moderation

Audience = Literal["host", "presenter", "participant"]
AUDIENCES: tuple[Audience, ...] = ("host", "presenter", "participant")

_K = TypeVar("_K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Change:
    """One answer row before and after a write.

    (None, new) adds the row, (old, new) replaces its payload, (old, None) withdraws it.
    """

    participant: int  # internal participant id
    slot: str
    entry_id: int  # the answer row's id: a replacement keeps it, a withdrawal ends it
    old: Mapping[str, object] | None
    new: Mapping[str, object] | None
    nickname: str | None = None


def bump(counter: dict[_K, int], key: _K, delta: int) -> None:
    """Add ``delta``; a count that reaches zero disappears, so equal tallies hold equal dicts.

    Counts may dip below zero for a moment when another worker's withdrawal overtakes the matching
    answer: addition commutes, so the tally still ends where a recount would.
    """
    value = counter.get(key, 0) + delta
    if value:
        counter[key] = value
    else:
        counter.pop(key, None)


def text_field(payload: Mapping[str, object], name: str) -> str:
    value = payload[name]
    if not isinstance(value, str):
        raise TypeError(f"stored payload field {name!r} is {type(value).__name__}, not text")
    return value


def int_field(payload: Mapping[str, object], name: str) -> int:
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"stored payload field {name!r} is {type(value).__name__}, not a whole number")
    return value


class Tally(ABC):
    """The live result of one activity: O(1) per change, a JSON-ready snapshot on demand."""

    kind: ClassVar[Kind]

    def __init__(self) -> None:
        self._rows: dict[int, int] = {}  # participant -> rows they hold
        self._responses = 0
        self._respondents = 0

    def apply(self, change: Change) -> None:
        """Fold one row change in; each row's own changes must come in order, rows in any order."""
        delta = (change.new is not None) - (change.old is not None)
        if delta:
            before = self._rows.get(change.participant, 0)
            bump(self._rows, change.participant, delta)
            self._responses += delta
            self._respondents += (before + delta > 0) - (before > 0)
        if change.old is not None:
            self._remove(change, change.old)
        if change.new is not None:
            self._add(change, change.new)

    def snapshot(
        self, settings: Settings, moderation: Moderation, *, audience: Audience
    ) -> dict[str, object]:
        """The results as one screen may see them; host screens also see what moderation hides."""
        body = self._snapshot(settings, moderation, audience)
        return {"kind": self.kind, **body, "responses": self._responses, "respondents": self._respondents}

    def owner_of(self, entry_id: int) -> int | None:
        """The participant behind a step-in target; only checkout words have owners."""
        return None

    def responses(self) -> int:
        """Stored entries (rows), over all participants and slots."""
        return self._responses

    def respondents(self) -> int:
        """Participants holding at least one entry."""
        return self._respondents

    def state(self) -> tuple[object, ...]:
        """A canonical value: tallies built from the same rows, in any order, have equal states."""
        return (self.kind, sorted(self._rows.items()), self._state())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return self.state() == other.state()

    __hash__ = None  # type: ignore[assignment]  # mutable: equal now is not equal forever

    def __repr__(self) -> str:
        return f"<{type(self).__name__} responses={self._responses} respondents={self._respondents}>"

    @abstractmethod
    def _add(self, change: Change, payload: Mapping[str, object]) -> None: ...

    @abstractmethod
    def _remove(self, change: Change, payload: Mapping[str, object]) -> None: ...

    @abstractmethod
    def _snapshot(
        self, settings: Settings, moderation: Moderation, audience: Audience
    ) -> dict[str, object]: ...

    @abstractmethod
    def _state(self) -> object: ...

"""What every kind has: the row change a tally folds in, the Tally base class, and ActivityKind."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, TypedDict, TypeVar

from pydantic import BaseModel, ConfigDict

from server.domain.errors import Code, DomainError
from server.kinds.fields import answer_conflict
from server.kinds.moderation import Moderation
from server.kinds.values import ints as ints
from server.kinds.values import items as items
from server.kinds.values import pick_text as pick_text
from server.kinds.values import plain as plain
from server.kinds.values import whole as whole
from server.text import Text

Audience = Literal["host", "presenter", "participant"]
AUDIENCES: tuple[Audience, ...] = ("host", "presenter", "participant")
Cell = str | int | float | bool | datetime | None
Say = Callable[[Text], str]  # i18n.say bound to the meeting's language: the kinds stay pure

_K = TypeVar("_K", bound=Hashable)
_S = TypeVar("_S", bound="KindSettings")


class KindSettings(BaseModel):
    """An activity's settings: one subclass per kind, unknown fields refused."""

    model_config = ConfigDict(extra="forbid")


class Item(BaseModel):
    """One element of a result list (an answer, a word, a statement): unknown fields refused."""

    model_config = ConfigDict(extra="forbid")


class Results(BaseModel):
    """A result snapshot as one audience sees it: the fields every kind shares."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    responses: int
    respondents: int


class Counts(TypedDict):
    """What every snapshot carries besides its kind's own fields (see Results)."""

    kind: str
    responses: int
    respondents: int


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


def int_list_field(payload: Mapping[str, object], name: str) -> tuple[int, ...]:
    value = payload[name]
    if not isinstance(value, list | tuple) or any(
        isinstance(i, bool) or not isinstance(i, int) for i in value
    ):
        raise TypeError(f"stored payload field {name!r} is not a list of whole numbers")
    return tuple(value)


def expect(settings: KindSettings, model: type[_S]) -> _S:
    if not isinstance(settings, model):
        raise TypeError(f"{model.__name__} expected, got {type(settings).__name__}")
    return settings


class Tally(ABC):
    """The live result of one activity: O(1) per change, a JSON-ready snapshot on demand."""

    kind: ClassVar[str]
    searchable: ClassVar[bool] = False  # phones may look its words up by typing (``find``)

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
        self, settings: KindSettings, moderation: Moderation, *, audience: Audience
    ) -> dict[str, object]:
        """The results as one screen may see them; host screens also see what moderation hides.

        A kind builds its snapshot as its typed result model (with ``counts()``), the fields it
        leaves unset left out; a list that grows with the hall may come as a plain dict instead,
        its shape held to the same model by tests/kinds/test_registry.py (building thousands of
        model objects per tick costs ten times the dicts)."""
        body = self._snapshot(settings, moderation, audience)
        if isinstance(body, Results):
            return body.model_dump(exclude_unset=True)
        return {"kind": self.kind, **body, "responses": self._responses, "respondents": self._respondents}

    def counts(self) -> Counts:
        """The fields every result model shares, for a kind's ``_snapshot``."""
        return {"kind": self.kind, "responses": self._responses, "respondents": self._respondents}

    def owner_of(self, entry_id: int) -> int | None:
        """The participant behind a step-in target; only checkout words have owners."""
        return None

    def mentioned(self, slots: Mapping[str, tuple[int, object, object]]) -> list[dict[str, object]] | None:
        """What one participant's answers (slot -> (entry id, ...)) are about, where that may lie
        outside the bounded list every phone gets; None for a kind without such words."""
        return None

    def find(self, query: str, limit: int) -> tuple[list[dict[str, object]], bool]:
        """Words matching ``query`` and whether more matched; only a ``searchable`` tally has words."""
        raise TypeError(f"a {self.kind} tally has no words to find")

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
        self, settings: KindSettings, moderation: Moderation, audience: Audience
    ) -> Results | dict[str, object]: ...

    @abstractmethod
    def _state(self) -> object: ...


class Entry(Protocol):
    """One acknowledged answer as the exports number it (see services/exports.py)."""

    @property
    def number(self) -> int: ...
    @property
    def slot(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Measure:
    """What a comparable activity measures (before and after, across a series): its statements,
    each answered with a number from ``low`` to ``high``."""

    statements: tuple[str, ...]
    low: int
    high: int

    def matches(self, other: Measure) -> bool:
        """Whether answers to both can stand side by side: as many statements, the same scale."""
        return (len(self.statements), self.low, self.high) == (len(other.statements), other.low, other.high)


@dataclass(frozen=True, slots=True)
class Demo:
    """One activity of the demo meeting: its place, settings and (else the kind's) prompt."""

    order: int
    settings: dict[str, Any]
    prompt: str | None = None


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What a report section may use besides the results: the meeting's words and formats."""

    say: Say
    words: Mapping[str, str]  # the report's own labels, said in the meeting's language
    number: Callable[[float], str]  # a decimal in the meeting's language (Babel)
    nicknames: bool  # False: leave every nickname out
    salt: str  # makes each chart's SVG ids unique in the page


class ActivityKind(ABC):
    """One kind of activity, in one place: the registry (server/kinds/__init__.py) lists each once.

    Charts in a report section are specs (a dict with "chart"), drawn by services/report.py; the
    section's markup is web/templates/kinds/<name>.html."""

    name: ClassVar[str]
    label: ClassVar[Text]  # the kind's name, as exports and the docs say it
    prompt: ClassVar[Text]  # a new activity's question ({theme}: the meeting's theme)
    settings: ClassVar[type[KindSettings]]
    tally: ClassVar[type[Tally]]
    results: ClassVar[Mapping[Audience, type[Results]]]  # the snapshot's shape per audience
    export_columns: ClassVar[tuple[Text, ...]]  # between the nickname and the hidden/time columns
    payload_schema: ClassVar[Mapping[str, Any]]  # a stored answer's payload, in the export schema
    results_on_phones_always: ClassVar[bool] = False  # phones need the result to take part
    locked: ClassVar[bool] = False  # an answer, once stored, is neither changed nor withdrawn
    moderation: ClassVar[frozenset[str]] = frozenset()  # the facilitator's actions on its answers

    def defaults(self, say: Say) -> KindSettings:
        """A new activity's settings (template defaults, demo content) in the meeting's language."""
        return self.settings()

    def demo(self, say: Say) -> Demo | None:
        """What the demo meeting adds for this kind, if anything."""
        return None

    def demos(self, say: Say) -> tuple[Demo, ...]:
        """Every activity the demo meeting adds for this kind (a kind may add more than one)."""
        one = self.demo(say)
        return (one,) if one is not None else ()

    def stamp(
        self, settings: KindSettings, payload: dict[str, object], *, since_open: float | None
    ) -> dict[str, object]:
        """The payload to store, given the seconds the activity has been open when the server
        received the answer (its own clock); a DomainError refuses it (too_late)."""
        return payload

    def private(self, settings: KindSettings) -> bool:
        """Facilitator-only answers: hidden on screens and left out of the report by default."""
        return False

    def carried_action(self, payload: Mapping[str, object]) -> tuple[str, str] | None:
        """The facet "carried forward": (insight, action) when a stored answer is an action its
        owner takes home; in a series it comes back on their phone in the next meeting."""
        return None

    def new_tally(self) -> Tally:
        return self.tally()

    def measure(self, settings: KindSettings) -> Measure | None:
        """The facet "comparable": what the activity measures, when it can be repeated in a later
        meeting of a series and compared (before and after); None: it cannot."""
        return None

    def measured(self, slot: str, payload: Mapping[str, object]) -> tuple[int, float] | None:
        """One stored answer of a comparable activity as (statement index, value)."""
        return None

    def validate_answer(
        self,
        settings: KindSettings,
        slot: str,
        payload: Mapping[str, object],
        *,
        own: Mapping[str, Mapping[str, object]],
        participant: int,
        tally: Tally,
    ) -> dict[str, object]:
        """The payload to store, normalised, or a DomainError naming what is wrong with it (its
        shape, or what the participant already holds: ``own``, and the words in ``tally``)."""
        stored = self.normalise_answer(settings, slot, payload)
        target = self.step_in_target(slot)
        refusal = answer_conflict(
            slot,
            pick=self.pick(settings),
            held=own,
            participant=participant,
            owner=tally.owner_of(target) if target is not None else None,
            locked=self.locked,
        )
        if refusal is not None:
            raise refusal
        return stored

    def normalise_answer(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        """The payload to store, normalised, or a DomainError naming what is wrong with its shape.

        Depends on nothing but the settings: a resend of a stored answer normalises to the same
        payload whatever happened since, so it is recognised as a resend before the state is asked."""
        if not isinstance(payload, Mapping):
            raise DomainError(Code.WRONG_KIND, f"A {self.name} answer must be an object.")
        return self._normalise(settings, slot, payload)

    @abstractmethod
    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]: ...

    @abstractmethod
    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        """Refuse to withdraw a slot that cannot exist for this activity (invalid_slot)."""

    def step_in_target(self, slot: str) -> int | None:
        """The entry a slot steps in on (only check-out has step-ins)."""
        return None

    def pick(self, settings: KindSettings) -> int | None:
        """How many slots one participant may answer, where the settings limit it."""
        return None

    @abstractmethod
    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        """The limits the phone needs (lengths, counts), so the JS repeats no number."""

    @abstractmethod
    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        """The kind's own cells of one answer row (``export_columns``)."""

    def hidden(self, entry: Entry, moderation: Moderation) -> bool:
        """Whether moderation hid this answer from the big screen."""
        return False

    def mean(self, settings: Mapping[str, Any], entries: Sequence[Entry]) -> float | None:
        """The summary sheet's mean over every answer, where the kind has one."""
        return None

    @abstractmethod
    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        """What one activity adds to the report (data and chart specs); None: nothing to show."""

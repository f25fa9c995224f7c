"""The registry of activity kinds: the one module that names them; everything else asks it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from server.domain.errors import Code, DomainError
from server.kinds import problems
from server.kinds.base import (
    AUDIENCES,
    ActivityKind,
    Audience,
    Change,
    KindSettings,
    Measure,
    Say,
    Tally,
)
from server.kinds.cards import Cards
from server.kinds.checkout import Checkout
from server.kinds.choice import Choice
from server.kinds.grid import Grid
from server.kinds.groups import Groups
from server.kinds.moderation import Moderation
from server.kinds.open import Open
from server.kinds.points import Points
from server.kinds.quiz import Quiz
from server.kinds.ranking import Ranking
from server.kinds.scales import Scales
from server.kinds.series import InMeeting, Sheet
from server.kinds.wordcloud import Wordcloud

__all__ = [
    "AUDIENCES",
    "KINDS",
    "REGISTRY",
    "ActivityKind",
    "Audience",
    "Change",
    "Kind",
    "KindSettings",
    "Measure",
    "Moderation",
    "Sheet",
    "Tally",
    "carried_action",
    "get",
    "is_private",
    "measure",
    "measured",
    "names",
    "new_tally",
    "personal",
    "results",
    "settings_for",
    "tally_from_rows",
]

Kind = Literal[
    "open",
    "wordcloud",
    "scales",
    "checkout",
    "choice",
    "groups",
    "cards",
    "grid",
    "ranking",
    "points",
    "quiz",
]
REGISTRY: Mapping[str, ActivityKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            Open(),
            Wordcloud(),
            Scales(),
            Checkout(),
            Choice(),
            Groups(),
            Cards(),
            Grid(),
            Ranking(),
            Points(),
            Quiz(),
        )
    }
)
KINDS: tuple[str, ...] = tuple(REGISTRY)


def names() -> tuple[str, ...]:
    """Every kind's name, in the order the docs and the pickers list them."""
    return KINDS


def get(name: str) -> ActivityKind:
    """The kind called ``name``, or unknown_kind naming the ones there are."""
    kind = REGISTRY.get(name)
    if kind is None:
        raise DomainError(
            Code.UNKNOWN_KIND, f"Unknown activity kind {name!r}; use one of {', '.join(KINDS)}."
        )
    return kind


def settings_for(name: str, raw: Mapping[str, object] | None, say: Say | None = None) -> KindSettings:
    """An activity's settings, parsed and checked; a field left out takes the kind's default, in
    the meeting's language when ``say`` is given."""
    kind = get(name)
    if say is not None and (raw is None or isinstance(raw, Mapping)):
        raw = {**kind.defaults(say).model_dump(exclude_unset=True), **(raw or {})}
    return problems.parse(name, kind.settings, raw)


def is_private(name: str, settings: KindSettings) -> bool:
    return get(name).private(settings)


def carried_action(name: str, payload: Mapping[str, object]) -> tuple[str, str] | None:
    """(insight, action) when an answer of this kind is an action its owner takes home."""
    return get(name).carried_action(payload)


def measure(name: str, settings: KindSettings) -> Measure | None:
    """What an activity measures, when its kind is comparable (before and after in a series)."""
    return get(name).measure(settings)


def measured(name: str, slot: str, payload: Mapping[str, object]) -> tuple[int, float] | None:
    """One stored answer of a comparable activity as (statement index, value)."""
    return get(name).measured(slot, payload)


def new_tally(name: str) -> Tally:
    """An empty tally for an activity of this kind."""
    return get(name).new_tally()


def tally_from_rows(name: str, rows: Iterable[Change]) -> Tally:
    """Recount from scratch: every stored row (``new``) as an insertion; ``old`` is ignored."""
    tally = new_tally(name)
    for row in rows:
        if row.new is not None:
            tally.apply(Change(row.participant, row.slot, row.entry_id, None, row.new, row.nickname))
    return tally


def results(
    sheets: Sequence[Sheet],
    index: int,
    moderation: Moderation,
    audience: Audience,
    *,
    now: datetime | None = None,
    say: Say = str,
) -> dict[str, object]:
    """The results of ``sheets[index]`` as one audience sees them, among the meeting's activities
    (in agenda order): the tally's snapshot, and what its kind adds from the others (``in_meeting``)."""
    sheet = sheets[index]
    body = sheet.tally.snapshot(sheet.settings, moderation, audience=audience)
    kind = get(sheet.kind)
    if not isinstance(kind, InMeeting):
        return body
    return kind.in_meeting(body, sheets, index, audience, now=now, say=say)


def personal(
    sheets: Sequence[Sheet], index: int, participant: int, *, now: datetime | None = None, say: Say = str
) -> dict[str, object] | None:
    """What only this participant's phone sees of ``sheets[index]``'s results, if its kind has any."""
    kind = get(sheets[index].kind)
    return (
        kind.personal(sheets, index, participant, now=now, say=say) if isinstance(kind, InMeeting) else None
    )

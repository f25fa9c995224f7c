"""Results that run across a meeting's activities (a quiz's running total): the optional facet a
kind implements when its results depend on the meeting's other activities of its kind, and the
Sheet through which it reads them. The registry asks a kind for it only when it has it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from server.kinds.base import Audience, KindSettings, Say, Tally


@dataclass(frozen=True, slots=True)
class Sheet:
    """One activity of a meeting, as a kind's meeting-level facet reads it."""

    id: int
    kind: str
    settings: KindSettings
    tally: Tally
    status: str = "closed"  # idle, open or closed
    opened_at: datetime | None = None  # when it was last opened (server time)


class InMeeting(ABC):
    """The facet of a kind whose results stand among the meeting's activities (in agenda order)."""

    @abstractmethod
    def in_meeting(
        self,
        body: dict[str, object],
        sheets: Sequence[Sheet],
        index: int,
        audience: Audience,
        *,
        now: datetime | None,
        say: Say,
    ) -> dict[str, object]:
        """The snapshot of ``sheets[index]`` (its tally's ``body``) among the meeting's activities."""

    @abstractmethod
    def personal(
        self, sheets: Sequence[Sheet], index: int, participant: int, *, now: datetime | None, say: Say
    ) -> dict[str, object] | None:
        """What only this participant's phone sees of the results (its own score and rank)."""

"""A room's Q&A and reactions: the state held in memory and the frames built from it per tick."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from server.domain.qa import QaBoard
from server.domain.reactions import DEFAULT_SET, Burst
from server.guards import TokenBucket
from server.realtime.connection import Connection
from server.realtime.messages import BesideOut, QaMineOut, dump
from server.services.qa import Beside

Audience = Literal["presenter", "host"]


class RoomBeside:
    """What runs beside a room's activities. Changed only after a commit (questions, votes,
    settings) or by a counted tap (reactions); frames go out with the room's tick."""

    def __init__(self) -> None:
        self.board = QaBoard()
        self.reactions_on = True
        self.reaction_set: list[str] = list(DEFAULT_SET)
        self.burst = Burst()
        # Taps from phones on this worker not yet told to the other workers.
        self.unshared: Counter[str] = Counter()
        self.dirty_phones = True
        self.dirty_screens = True
        self.mine_dirty: set[int] = set()
        self._buckets: dict[int, TokenBucket] = {}
        self._phone_frame: str | None = None

    @property
    def dirty(self) -> bool:
        return self.dirty_phones or self.dirty_screens or bool(self.mine_dirty) or bool(self.burst.pending)

    def load(self, beside: Beside) -> None:
        self.board = beside.board
        self.reactions_on = beside.reactions_on
        self.reaction_set = list(beside.reaction_set)
        self.changed(everyone=True)

    def changed(self, participants: Iterable[int] = (), *, everyone: bool = False) -> None:
        self.dirty_phones = self.dirty_screens = True
        self._phone_frame = None
        if everyone:
            self.mine_dirty.update(self.board.voted)
            self.mine_dirty.update(q.participant for q in self.board.questions.values())
        self.mine_dirty.update(participants)

    # -- reactions ---------------------------------------------------------------------------

    def allow_tap(self, participant: int, rate: float, burst: float) -> bool:
        bucket = self._buckets.get(participant)
        if bucket is None:
            bucket = self._buckets[participant] = TokenBucket(rate, burst)
        return bucket.take()

    def tap(self, name: str, activity_id: int | None) -> None:
        self.burst.add(name, activity_id)
        self.unshared[name] += 1

    def tapped_elsewhere(self, counts: dict[str, int]) -> None:
        """Taps counted (and saved) by another worker: only shown here."""
        for name, n in counts.items():
            if name in self.reaction_set and self.reactions_on and n > 0:
                self.burst.pending[name] += n

    # -- frames ------------------------------------------------------------------------------

    def phone_frame(self) -> str:
        if self._phone_frame is None:
            self._phone_frame = dump(
                BesideOut(
                    qa=self.board.phone_view(),
                    reactions=self.reaction_set if self.reactions_on else None,
                )
            )
        return self._phone_frame

    def mine_frame(self, participant: int) -> str:
        return dump(QaMineOut(**self.board.mine(participant)))

    def screen_view(self, audience: Audience, burst: dict[str, int] | None) -> dict[str, Any]:
        qa = self.board.host_view() if audience == "host" else self.board.stage_view()
        return {
            "qa": qa,
            "reactions": {
                "on": self.reactions_on,
                "set": self.reaction_set,
                "burst": burst if self.reactions_on else None,
            },
        }

    def greet(self, connection: Connection) -> None:
        connection.put_latest("beside", self.phone_frame())
        assert connection.participant_id is not None
        connection.put_latest("qa_mine", self.mine_frame(connection.participant_id))

    def flush_phones(self, phones: Iterable[Connection]) -> None:
        """The shared frame to every phone when it changed; a phone's own frame when its own
        questions or votes did. Called by the room's flush, once per tick at most."""
        if not (self.dirty_phones or self.mine_dirty):
            return
        frame = self.phone_frame() if self.dirty_phones else None
        mine = self.mine_dirty
        for connection in phones:
            if connection.closed:
                continue
            if frame is not None:
                connection.put_latest("beside", frame)
            pid = connection.participant_id
            if pid is not None and pid in mine:
                connection.put_latest("qa_mine", self.mine_frame(pid))
        self.dirty_phones = False
        self.mine_dirty = set()

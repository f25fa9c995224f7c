"""Where live rooms come from: the database, behind a small interface the hub is given.

The hub never queries the database itself; it asks its loader. A test hands the hub a loader of
its own (one that holds a load back, or serves a meeting from memory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from server.db.database import Database
from server.domain.agenda import Clock
from server.domain.meeting import MeetingInfo
from server.realtime.room import Room
from server.services import answers as answer_service
from server.services import meetings as meeting_service
from server.services import qa as qa_service
from server.services import questionnaires
from server.services.answers import StoredAnswer
from server.services.meetings import MeetingAuth
from server.services.qa import Beside


@dataclass(frozen=True, slots=True)
class Truth:
    """What a room rebuilds itself from: its meeting, every stored answer, and the Q&A board."""

    meeting: MeetingInfo
    answers: list[StoredAnswer]
    beside: Beside
    # The open questionnaire's stored steps: (its id, (participant, step, furthest) rows).
    steps: tuple[int, list[tuple[int, int, int]]] = (0, [])


class RoomLoader(Protocol):
    async def meeting_id_for_code(self, code: str) -> int | None: ...

    async def load(self, meeting_id: int) -> Room | None:
        """A new room with its meeting, keys, tallies and board; None when the meeting is gone."""
        ...

    async def truth(self, meeting_id: int) -> Truth | None:
        """The meeting, answers and board as stored (to resynchronise a room); None when gone."""
        ...

    async def refresh(self, meeting_id: int) -> tuple[MeetingInfo, MeetingAuth] | None:
        """The meeting and its keys, not its answers; None when gone."""
        ...


class DatabaseLoader:
    """Rooms read from the database, each read in one transaction."""

    def __init__(self, db: Database, clock: Clock, join_url: Callable[[str, str], str]) -> None:
        self.db = db
        self.clock = clock
        self.join_url = join_url

    async def meeting_id_for_code(self, code: str) -> int | None:
        return await self.db.run(meeting_service.meeting_id_for_code, code)

    async def load(self, meeting_id: int) -> Room | None:
        return await self.db.run(self._load, meeting_id)

    def _load(self, session: Session, meeting_id: int) -> Room | None:
        meeting = meeting_service.load_meeting(session, meeting_id)
        if meeting is None:
            return None
        auth = meeting_service.meeting_auth(session, meeting.code)
        assert auth is not None
        room = Room(meeting, auth, self.join_url(meeting.code, auth.join_secret), self.clock)
        room.load_answers(answer_service.load_answers(session, meeting_id))
        room.beside.load(qa_service.load_beside(session, meeting_id))
        room.pace.load(*questionnaires.progress_for(session, meeting.questionnaire, None))
        return room

    async def truth(self, meeting_id: int) -> Truth | None:
        def read(session: Session) -> Truth | None:
            meeting = meeting_service.load_meeting(session, meeting_id)
            if meeting is None:
                return None
            return Truth(
                meeting,
                answer_service.load_answers(session, meeting_id),
                qa_service.load_beside(session, meeting_id),
                questionnaires.progress_for(session, meeting.questionnaire, None),
            )

        return await self.db.run(read)

    async def refresh(self, meeting_id: int) -> tuple[MeetingInfo, MeetingAuth] | None:
        def read(session: Session) -> tuple[MeetingInfo, MeetingAuth] | None:
            meeting = meeting_service.load_meeting(session, meeting_id)
            auth = meeting_service.meeting_auth(session, meeting.code) if meeting else None
            return (meeting, auth) if meeting is not None and auth is not None else None

        return await self.db.run(read)

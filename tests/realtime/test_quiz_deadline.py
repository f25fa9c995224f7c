"""A quiz question in a room over a real database: the deadline is the server's clock at receipt,
answers are locked once sent, a resend stays an idempotent duplicate, and the reveal brings every
phone its own score and rank."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from server.db.engine import make_engine
from server.domain.errors import DomainError
from server.realtime.connection import Connection
from server.realtime.messages import AnswerIn, WithdrawIn
from server.realtime.room import Room
from server.services import meetings, participants
from server.services.answers import AnswerOp, BatchResult, commit_batch
from server.services.meetings import MeetingAuth
from tests.realtime.test_room import FakeSocket


class HandClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def session(database_url: str) -> Any:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def answer(activity_id: int, client_id: str, options: list[int]) -> AnswerIn:
    return AnswerIn(
        type="answer", activity_id=activity_id, client_id=client_id, slot="0", value={"options": options}
    )


async def test_quiz_deadline_lock_and_reveal_in_a_room(session: Session) -> None:
    created = meetings.create_meeting(session, "Quiz", "Inclusie", "nl")
    meeting_id = created.meeting.id
    settings = {"options": ["A", "B", "C"], "correct": [1], "seconds": 10}
    activity, _ = meetings.add_activity(session, meeting_id, "quiz", prompt="Welke?", settings=settings)
    people = [
        participants.join(session, meeting_id, None, name).participant_id for name in ("Ans", None, "Cor")
    ]
    meetings.open_(session, meeting_id, activity.id)
    session.commit()
    info = meetings.load_meeting(session, meeting_id)
    assert info is not None and info.current is not None and info.current.opened_at is not None
    opened = info.current.opened_at
    clock = HandClock(opened)
    room = Room(info, MeetingAuth(meeting_id, "h", "p"), "http://127.0.0.1:8000/X", clock=clock)
    room.nicknames.update({people[0]: "Ans", people[2]: "Cor"})  # as the hub learns them at a join

    def at(seconds: float, person: int, message: AnswerIn) -> AnswerOp:
        clock.moment = opened + timedelta(seconds=seconds)
        return room.prepare(person, message)

    def commit(*ops: AnswerOp) -> BatchResult:
        batch = commit_batch(session, list(ops))
        session.commit()
        for activity_id, changes in batch.changes.items():
            room.apply(activity_id, changes, batch.versions)
        return batch

    first = at(3, people[0], answer(activity.id, "c1", [1]))
    received_in_time = at(9.9, people[1], answer(activity.id, "c2", [1]))
    late = at(10.5, people[2], answer(activity.id, "c3", [1]))
    assert first.payload == {"options": [1], "ms": 3000} and late.refusal is not None
    # The batch commits after the deadline: what was received before it counts all the same.
    stored = commit(first, received_in_time, late)
    assert [r.error.code if r.error else None for r in stored.results] == [None, None, "too_late"]
    assert received_in_time.payload is not None and received_in_time.payload["ms"] == 9900

    # A resend after the deadline is the same answer again; another answer is refused: locked.
    resend = commit(at(30, people[0], answer(activity.id, "c1", [1])))
    assert resend.results[0].duplicate and resend.results[0].entry_id == stored.results[0].entry_id
    second = commit(at(4, people[0], answer(activity.id, "c9", [0])))
    assert second.results[0].error is not None and second.results[0].error.code == "answer_locked"
    with pytest.raises(DomainError) as withdrawn:
        at(4, people[0], WithdrawIn(type="withdraw", activity_id=activity.id, client_id="w1", slot="0"))
    assert withdrawn.value.code == "answer_locked"

    # Before the reveal a phone learns nothing of the right answer; the reveal brings it its rank.
    sockets = {person: FakeSocket() for person in people}
    for person, socket in sockets.items():
        room.add(Connection(socket, "participant", participant_id=person))  # type: ignore[arg-type]
    room.flush()
    state = _last(sockets[people[2]], "state")
    assert state["results"]["correct"] == [] and state["results"]["phase"] == "open"
    meetings.close(session, meeting_id, activity.id)
    session.commit()
    closed = meetings.load_meeting(session, meeting_id)
    assert closed is not None
    room.set_meeting(closed)
    room.flush()
    results = _last(sockets[people[2]], "state")["results"]
    assert results["phase"] == "reveal" and results["correct"] == [1]
    assert [(e["rank"], e["name"], e["total"]) for e in results["standings"]["top"]] == [
        (1, "Ans", 850),
        (2, _last(sockets[people[1]], "mine")["own"]["alias"], 505),
    ]
    assert results["standings"]["final"] is True
    ans, anonymous, cor = (_last(sockets[p], "mine")["own"] for p in people)
    assert (ans["rank"], ans["points"], ans["correct"]) == (1, 850, True)
    assert (anonymous["rank"], anonymous["players"]) == (2, 2)
    assert cor["answered"] is False and cor["rank"] is None and cor["total"] == 0


def _last(socket: FakeSocket, kind: str) -> dict[str, Any]:
    frames = [json.loads(frame) for frame in socket.sent]
    return next(frame for frame in reversed(frames) if frame["type"] == kind)

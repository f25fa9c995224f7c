"""Joins in batches: one transaction for a whole storm, rejoin by token, nicknames kept."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from server.db.database import Database
from server.db.engine import make_engine
from server.db.tables import Participant
from server.services import meetings
from server.services.batcher import JoinBatcher
from server.services.participants import JoinRequest, join, join_batch


@pytest.fixture
def db(database_url: str) -> Any:
    database = Database(make_engine(database_url))
    yield database
    database.close()


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Participant)) or 0)


def test_join_batch_makes_new_participants_and_rejoins_known_tokens(db: Database) -> None:
    meeting_id = db.transaction(lambda s: meetings.create_meeting(s, "T", "", "nl").meeting.id)
    other_id = db.transaction(lambda s: meetings.create_meeting(s, "U", "", "nl").meeting.id)
    first = db.transaction(join, meeting_id, None, "Ans")
    assert first.token is not None
    batch = db.transaction(
        join_batch,
        [
            JoinRequest(meeting_id, None, "Bram", True),
            JoinRequest(meeting_id, first.token, "Anna", True),  # rejoin, renamed
            JoinRequest(meeting_id, first.token, None, False),  # rejoin, name untouched
            JoinRequest(other_id, first.token, None, False),  # another meeting's token: a new one
            JoinRequest(meeting_id, "not-a-token", None, False),
        ],
    )
    assert batch[0].token is not None and batch[0].nickname == "Bram"
    assert (batch[1].participant_id, batch[1].token, batch[1].nickname) == (
        first.participant_id,
        None,
        "Anna",
    )
    assert (batch[2].participant_id, batch[2].nickname) == (first.participant_id, "Anna")
    assert batch[3].participant_id != first.participant_id and batch[3].token is not None
    assert batch[4].token is not None
    assert len({j.participant_id for j in batch}) == 4
    assert db.transaction(count) == 4


async def test_a_join_storm_shares_transactions(db: Database) -> None:
    meeting_id = db.transaction(lambda s: meetings.create_meeting(s, "T", "", "nl").meeting.id)
    batcher = JoinBatcher(db, window=0.01)
    batcher.start()
    try:
        joined = await asyncio.gather(
            *(batcher.submit(JoinRequest(meeting_id, None, f"p{i}", True)) for i in range(200))
        )
    finally:
        await batcher.stop()
    assert len({j.participant_id for j in joined}) == 200
    assert [j.nickname for j in joined] == [f"p{i}" for i in range(200)]  # each caller gets its own
    assert batcher.batches < 20  # not one commit (one fsync) per phone
    assert db.transaction(count) == 200

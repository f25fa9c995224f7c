"""Retention (GDPR): expired meetings are purged; deleting a meeting leaves no trace of its answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from server.db.engine import make_engine
from server.db.migrate import upgrade
from server.db.tables import Meeting
from server.services import meetings, participants, retention
from server.services.answers import AnswerOp, commit_batch
from tests.conftest import migrated_sqlite_url
from tests.factories import add_activity, auth, client_for, join, make_meeting, open_activity, phone_socket

TABLES = ("meeting", "activity", "agendablock", "participant", "answer", "submission", "meetinghost")


@pytest.fixture
def session(database_url: str) -> Any:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def meeting_used_at(session: Session, when: datetime, retention_days: int | None = None) -> int:
    created = meetings.create_meeting(session, f"Bijeenkomst {when:%Y-%m-%d}", "Inclusie", "nl")
    row = session.get(Meeting, created.meeting.id)
    assert row is not None
    row.created_at = when
    row.retention_days = retention_days
    session.add(row)
    session.commit()
    return created.meeting.id


def test_purge_deletes_only_meetings_past_their_retention(session: Session) -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    old = meeting_used_at(session, now - timedelta(days=91))
    recent = meeting_used_at(session, now - timedelta(days=89))
    kept_longer = meeting_used_at(session, now - timedelta(days=200), retention_days=365)
    short = meeting_used_at(session, now - timedelta(days=8), retention_days=7)
    assert [e.meeting_id for e in retention.expired(session, now, 90)] == [old, short]
    gone = retention.purge(session, now, 90)
    session.commit()
    assert {e.meeting_id for e in gone} == {old, short}
    left = {m.id for m in session.exec(text("SELECT id FROM meeting")).all()}  # type: ignore[call-overload]
    assert left == {recent, kept_longer}


def test_an_answer_counts_as_use_and_restarts_the_clock(session: Session) -> None:
    now = datetime.now(UTC) + timedelta(days=30)
    meeting_id = meeting_used_at(session, now - timedelta(days=120))
    activity, _ = meetings.add_activity(session, meeting_id, "open")
    person = participants.join(session, meeting_id, None, "p").participant_id
    session.commit()
    commit_batch(session, [AnswerOp(meeting_id, activity.id, person, "c1", "answer", "0", {"text": "hoi"})])
    session.commit()  # joined and answered today (the real clock): 30 days before `now`
    assert retention.expired(session, now, 90) == []
    assert [e.meeting_id for e in retention.expired(session, now, 20)] == [meeting_id]


def _rows_of(engine: Any, meeting_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        counts["meeting"] = connection.execute(
            text("SELECT count(*) FROM meeting WHERE id = :m"), {"m": meeting_id}
        ).scalar()
        for table in ("activity", "agendablock", "participant", "meetinghost"):
            counts[table] = connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE meeting_id = :m"), {"m": meeting_id}
            ).scalar()
        counts["answer"] = connection.execute(text("SELECT count(*) FROM answer")).scalar()
        counts["submission"] = connection.execute(text("SELECT count(*) FROM submission")).scalar()
    return counts


def _write_canary(database_url: str, canary: str) -> tuple[dict[str, Any], int]:
    with client_for(database_url) as client:
        meeting = make_meeting(client)
        client.post(
            f"/api/meetings/{meeting['code']}/blocks",
            json={"title": "Opening", "duration_minutes": 30},
            headers=auth(meeting),
        )
        activity = add_activity(client, meeting, "open")
        open_activity(client, meeting, activity["id"])
        join(client, meeting, nickname=canary[:30])
        with phone_socket(client, meeting) as ws:
            ws.send_json(
                {
                    "type": "answer",
                    "activity_id": activity["id"],
                    "slot": "0",
                    "value": {"text": canary},
                    "client_id": "k1",
                }
            )
            reply = ws.receive_json()
            while reply["type"] != "ack":
                reply = ws.receive_json()
        meeting_id = client.get(f"/api/meetings/{meeting['code']}", headers=auth(meeting)).status_code
        assert meeting_id == 200
    engine = make_engine(database_url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM meeting WHERE code = :c"), {"c": meeting["code"]}
        ).scalar()
    engine.dispose()
    return meeting, int(found)


def _delete(database_url: str, meeting: dict[str, Any]) -> None:
    with client_for(database_url) as client:
        response = client.delete(f"/api/meetings/{meeting['code']}", headers=auth(meeting))
        assert response.status_code == 204
        assert client.get(f"/api/meetings/{meeting['code']}", headers=auth(meeting)).status_code in (401, 404)


def test_deleting_a_meeting_leaves_its_canary_nowhere_in_the_sqlite_file(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    canary = f"kanarie-{uuid.uuid4().hex}"
    meeting, meeting_id = _write_canary(url, canary)
    database = Path(f"{tmp_path}/kring-test.db")

    def occurrences() -> int:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.commit()
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            # Read while a connection is open: SQLite removes the -wal and -shm files at the last close.
            # The database, its write-ahead log, its shared-memory index and a rollback journal.
            files = [database, *(Path(f"{database}-{suffix}") for suffix in ("wal", "shm", "journal"))]
            assert Path(f"{database}-shm").exists()
            found = sum(f.read_bytes().count(canary.encode()) for f in files if f.exists())
        engine.dispose()
        return found

    assert occurrences() >= 2  # the answer and the nickname are on disk: the test can see them
    _delete(url, meeting)
    assert occurrences() == 0
    engine = make_engine(url)
    assert set(_rows_of(engine, meeting_id).values()) == {0}
    engine.dispose()


def test_deleting_a_meeting_removes_every_row_on_postgres(postgres_url: str) -> None:
    upgrade(postgres_url)
    canary = f"kanarie-{uuid.uuid4().hex}"
    meeting, meeting_id = _write_canary(postgres_url, canary)
    engine = make_engine(postgres_url)

    def occurrences() -> int:
        with engine.connect() as connection:
            answers = connection.execute(
                text("SELECT count(*) FROM answer WHERE CAST(payload AS TEXT) LIKE :c"), {"c": f"%{canary}%"}
            ).scalar()
            names = connection.execute(
                text("SELECT count(*) FROM participant WHERE nickname LIKE :c"), {"c": f"%{canary[:30]}%"}
            ).scalar()
        return int(answers or 0) + int(names or 0)

    assert occurrences() == 2
    assert _rows_of(engine, meeting_id)["activity"] == 1
    _delete(postgres_url, meeting)
    assert occurrences() == 0
    assert set(_rows_of(engine, meeting_id).values()) == {0}
    engine.dispose()

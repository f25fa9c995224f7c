"""Rows written through the driver's executemany read back exactly as SQLAlchemy's own writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from server.db.engine import make_engine
from server.db.many import Many
from server.db.tables import Answer, Submission
from server.services import meetings, participants

SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
ANSWERS = Answer.__table__  # type: ignore[attr-defined]
COLUMNS = ("participant_id", "client_id", "activity_id", "op", "slot", "fingerprint", "entry_id", "payload")


def test_prebuilt_rows_store_what_sqlalchemy_stores(database_url: str) -> None:
    engine = make_engine(database_url)
    when = datetime(2026, 12, 3, 14, 5, 6, 789000, tzinfo=UTC)
    with Session(engine) as session:
        created = meetings.create_meeting(session, "Test", "Inclusie", "nl")
        activity, _ = meetings.add_activity(session, created.meeting.id, "open")
        person = participants.join(session, created.meeting.id, None, "p").participant_id
        values: list[tuple[Any, ...]] = [
            (person, "c1", activity.id, "answer", "0", "f1", 11, {"text": "héllo", "n": [1, 2.5]}, when),
            (person, "c2", activity.id, "withdraw", "0", "f2", None, None, when),
        ]
        Many(SUBMISSIONS, (*COLUMNS, "created_at")).run(session, values)
        # The same rows through SQLAlchemy's compiled insert, for comparison.
        names = (*COLUMNS, "created_at")
        twins = [dict(zip(names, (v[0], "s" + v[1][1:], *v[2:]), strict=True)) for v in values]
        session.execute(insert(SUBMISSIONS), twins)
        session.commit()
        stored = {
            s.client_id: (s.op, s.entry_id, s.payload, s.created_at.replace(tzinfo=None))
            for s in session.scalars(select(Submission))
        }
    engine.dispose()
    naive = when.replace(tzinfo=None)
    assert stored["c1"] == stored["s1"] == ("answer", 11, {"text": "héllo", "n": [1, 2.5]}, naive)
    assert stored["c2"] == stored["s2"] == ("withdraw", None, None, naive)


def test_an_update_sets_the_columns_of_the_row_its_key_names(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        created = meetings.create_meeting(session, "Test", "Inclusie", "nl")
        activity, _ = meetings.add_activity(session, created.meeting.id, "open")
        people = [participants.join(session, created.meeting.id, None, n).participant_id for n in ("a", "b")]
        rows = [
            Answer(activity_id=activity.id, participant_id=p, slot="0", payload={"text": "a"}, client_id="c")
            for p in people
        ]
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
        later = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
        update = Many(ANSWERS, ("payload", "client_id", "rev", "updated_at"), key="id")
        update.run(session, [({"text": "b"}, "d", 2, later, ids[1])])
        session.commit()
        found = {a.id: (a.payload, a.client_id, a.rev) for a in session.scalars(select(Answer))}
    engine.dispose()
    assert found == {ids[0]: ({"text": "a"}, "c", 1), ids[1]: ({"text": "b"}, "d", 2)}

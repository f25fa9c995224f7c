"""Saving reaction taps in counts, and reading them back per activity for the report and exports."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from server.db.tables import Activity, ReactionCount, utcnow

COUNTS = ReactionCount.__table__  # type: ignore[attr-defined]


def save_counts(session: Session, counts: list[tuple[int, int | None, str, int]]) -> None:
    """Append (meeting, activity, reaction, taps) rows: never a read-then-write counter. An
    activity deleted since the taps were counted is gone: its taps count between activities."""
    if not counts:
        return
    named = {a for _, a, _, _ in counts if a is not None}
    query = select(col(Activity.id)).where(col(Activity.id).in_(named))
    known = {int(i) for i in session.execute(query).scalars()}
    now = utcnow()
    session.execute(
        insert(COUNTS),
        [
            {
                "meeting_id": meeting_id,
                "activity_id": activity_id if activity_id in known else None,
                "reaction": name,
                "count": n,
                "created_at": now,
            }
            for meeting_id, activity_id, name, n in counts
        ],
    )


def counts_by_activity(session: Session, meeting_id: int) -> dict[int | None, dict[str, int]]:
    """Taps per activity (None: while no activity was on) and reaction, summed."""
    rows = session.execute(
        select(COUNTS.c.activity_id, COUNTS.c.reaction, func.sum(COUNTS.c.count))
        .where(COUNTS.c.meeting_id == meeting_id)
        .group_by(COUNTS.c.activity_id, COUNTS.c.reaction)
    )
    out: dict[int | None, dict[str, int]] = defaultdict(dict)
    for activity_id, name, total in rows:
        out[int(activity_id) if activity_id is not None else None][str(name)] = int(total)
    return dict(out)

"""The ``kring purge`` parts that forget people: ``--participant CODE`` erases a network pass's
pseudonym across its series (as "vergeet mij" does from the phone), and the series whose
retention period has passed go as a whole (``server/services/series_retention.py``)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from server.meeting_commands import database


def purge_participant(args: argparse.Namespace) -> int:
    """Erase the pseudonym behind a personal code, in every meeting of its series."""
    from server.services import erasure

    _, db = database(args)

    def run(session: Any) -> erasure.Erased | None:
        pseudonym = erasure.pseudonym_for_code(session, args.participant)
        return erasure.erase_pseudonym(session, pseudonym) if pseudonym is not None else None

    try:
        erased = db.transaction(run)
    finally:
        db.close()
    if erased is None:
        sys.stderr.write("No network pass has this personal code (or it was erased already).\n")
        return 1
    print(
        f"Erased the pseudonym from {len(erased.participants)} meeting(s): {erased.answers} answer(s), "
        f"{erased.questions} question(s), {erased.votes} vote(s)."
    )
    print("A server that is running shows the change in a live meeting once its room reloads.")
    return 0


def purge_series(db: Any, now: datetime, default_days: int, *, dry_run: bool) -> None:
    """Delete (or with ``dry_run`` list) the series whose retention period has passed."""
    from server.services import series_retention

    work = series_retention.expired_series if dry_run else series_retention.purge_series
    gone = db.transaction(work, now, default_days)
    verb = "Would delete" if dry_run else "Deleted"
    for series in gone:
        print(
            f"{verb} series {series.title!r} ({series.meetings} meeting(s), "
            f"{series.pseudonyms} pseudonym(s)): last used {series.last_used:%Y-%m-%d}, "
            f"kept {series.retention_days} days"
        )
    print(f"{verb} {len(gone)} expired series.")

"""KRING_CHECK_INVARIANTS: after every committed batch, a room's tallies against a recount of the database."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from server.kinds import Change, tally_from_rows
from server.realtime.room import Room
from server.services.answers import StoredAnswer

log = logging.getLogger("kring.invariants")


class InvariantBroken(AssertionError):
    """A room's memory and the database disagree: the one thing that must never happen."""


def differences(room: Room, truth: Mapping[int, list[StoredAnswer]]) -> list[str]:
    """What the room holds that a recount of ``truth`` (the stored rows per activity) does not;
    empty when they agree. Activities the room no longer has (deleted meanwhile) are skipped."""
    found: list[str] = []
    for activity_id, rows in sorted(truth.items()):
        tally = room.tallies.get(activity_id)
        if tally is None:
            continue
        kind = room.meeting.activity(activity_id).kind
        recount = tally_from_rows(
            kind, [Change(a.participant_id, a.slot, a.entry_id, None, a.payload, a.nickname) for a in rows]
        )
        if tally != recount:
            found.append(f"activity {activity_id}: tally {tally.state()!r} != recount {recount.state()!r}")
        held: dict[tuple[int, str], tuple[int, Any]] = {
            (participant, slot): (entry, payload)
            for participant, slots in room.own.get(activity_id, {}).items()
            for slot, (entry, payload, _rev) in slots.items()
        }
        stored = {(a.participant_id, a.slot): (a.entry_id, a.payload) for a in rows}
        if held != stored:
            keys = sorted(k for k in held.keys() | stored.keys() if held.get(k) != stored.get(k))
            shown = ", ".join(f"{k}: room {held.get(k)!r}, database {stored.get(k)!r}" for k in keys[:5])
            found.append(f"activity {activity_id}: {len(keys)} slots differ ({shown})")
    return found

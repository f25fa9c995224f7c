"""The roles beside the host: a co-facilitator, a timekeeper and a moderator, each with a key of
its own (stored as a hash, made and revoked by the host) and the rights listed in ``RIGHTS``."""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session

from server.db.tables import Meeting
from server.domain.errors import Code, DomainError
from server.services.keys import hash_key, key_matches, new_key
from server.services.meetings import MeetingAuth

RoleName = Literal["cohost", "timekeeper", "moderator"]
ROLES: tuple[RoleName, ...] = ("cohost", "timekeeper", "moderator")
# Every key a meeting has, in the order a match is named (the host key first).
KEYS = ("host", "cohost", "moderator", "timekeeper", "presenter")

# Who opens what. "host" routes: everything a remote does (the co-facilitator is a second host);
# "lead": the keys and deleting the meeting, for the host key and the facilitators' sessions
# only, so a co-facilitator cannot lock the host out; "moderate": hiding, highlighting and
# merging answers and moderating questions; "clock": the timekeeper's view and signal.
RIGHTS: dict[str, frozenset[str]] = {
    "lead": frozenset({"host"}),
    "host": frozenset({"host", "cohost"}),
    "moderate": frozenset({"host", "cohost", "moderator"}),
    "clock": frozenset({"host", "cohost", "timekeeper"}),
    "screen": frozenset({"host", "cohost", "presenter"}),
}
# The sockets: the remote's (watching: the moderator needs the live answers) and the big screen's.
SOCKETS: dict[str, frozenset[str]] = {
    "host": frozenset({"host", "cohost", "moderator"}),
    "presenter": frozenset({"host", "cohost", "presenter"}),
}

# The page each role's link opens.
PAGES: dict[RoleName, str] = {"cohost": "remote", "moderator": "remote", "timekeeper": "clock"}


def role_of(key: str | None, auth: MeetingAuth) -> str | None:
    """Which of the meeting's keys ``key`` is; every hash is compared (no early exit)."""
    matches = [name for name in KEYS if key_matches(key, auth.hash_for(name))]
    return matches[0] if matches else None


def make_key(session: Session, meeting_id: int, role: RoleName) -> str:
    """A new key for ``role``; the role's old key, if any, stops working."""
    meeting = _meeting(session, meeting_id)
    key = new_key()
    setattr(meeting, f"{role}_key_hash", hash_key(key))
    session.add(meeting)
    return key


def revoke_key(session: Session, meeting_id: int, role: RoleName) -> None:
    meeting = _meeting(session, meeting_id)
    setattr(meeting, f"{role}_key_hash", None)
    session.add(meeting)


def active_roles(session: Session, meeting_id: int) -> dict[str, bool]:
    """Which roles have a key now."""
    meeting = _meeting(session, meeting_id)
    return {role: getattr(meeting, f"{role}_key_hash") is not None for role in ROLES}


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:  # deleted since the guard opened it
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    return meeting

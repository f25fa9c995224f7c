"""Who is on the other end of a websocket: the participant behind a phone's cookie, or what opens a
screen (a key, or the session of the owner or a co-facilitator), and whether its page's origin may
connect. Refusals of a wrong key and an unknown code look alike (server/gate.py)."""

from __future__ import annotations

from typing import Any

from fastapi import WebSocket

from server.db.database import Database
from server.deps import SESSION_COOKIE, DatabaseDep
from server.domain.agenda import Clock
from server.domain.errors import Code, DomainError
from server.domain.meeting import is_valid_code, normalise_code
from server.gate import client_address, join_guard, open_meeting
from server.guards import OriginPolicy
from server.realtime.connection import Role
from server.realtime.hub import Hub
from server.realtime.messages import AuthIn
from server.realtime.room import Room
from server.routes.shared import cookie_name
from server.services import accounts
from server.services import meetings as meeting_service
from server.services import participants as participant_service
from server.services.meetings import MeetingAuth
from server.services.roles import SOCKETS, role_of


def origin_allowed(websocket: WebSocket) -> bool:
    policy: OriginPolicy = websocket.app.state.origins
    return policy.permits(websocket.headers.get("origin"))


async def participant_room(
    websocket: WebSocket, code: str, db: Database, hub: Hub
) -> tuple[Room, tuple[int, str | None]] | None:
    """The room and the participant behind the phone's cookie, or None: no cookie, a cookie that
    opens nothing here, an unknown code; all refused alike (server/gate.py). A live room answers
    from memory; a refusal there also asks the database, as a refusal of an unknown code does."""
    clean = normalise_code(code)
    token = websocket.cookies.get(cookie_name(clean))
    if not token or not is_valid_code(clean):
        return None  # nothing to check: no lookup, known and unknown codes alike
    meeting_id = hub.live_meeting_id(clean)
    live = meeting_id is not None
    if meeting_id is None:
        meeting_id = await db.run(meeting_service.meeting_id_for_code, clean)
    room = hub.rooms.get(meeting_id) if meeting_id is not None else None
    found = room.participant_for_token(token) if room is not None else None
    if found is None:
        found = await db.run(participant_service.participant_for_token, meeting_id or 0, token)
    if found is not None and meeting_id is not None:
        room = room or await hub.room(meeting_id)
        if room is not None:
            room.remember_token(token, found[0])
            return room, found
    if live:
        await db.run(meeting_service.meeting_id_for_code, clean)
    join_guard(websocket).failed(client_address(websocket))
    return None


async def screen_room(
    websocket: WebSocket, code: str, message: Any, role: Role, db: Database, hub: Hub, clock: Clock
) -> tuple[Room, str]:
    """The room a screen's first message opens, and with what ("host", "presenter", "session").
    A wrong key and an unknown code get the same `forbidden` (server/gate.py)."""
    if not isinstance(message, AuthIn):
        raise DomainError(Code.FORBIDDEN, "This key does not open this screen.")
    via: list[str] = []

    async def check(auth: MeetingAuth) -> bool:
        if message.key is None:
            token = websocket.cookies.get(SESSION_COOKIE)
            hosted: bool = bool(token) and await db.run(
                accounts.session_hosts, token, auth.meeting_id, clock.now()
            )
            via.extend(["session"] if hosted else [])
        else:
            found = role_of(message.key, auth)
            via.extend([found] if found in SOCKETS[role] else [])
        return bool(via)

    try:
        auth = await open_meeting(websocket, code, check)
    except DomainError as exc:
        if exc.code == Code.UNKNOWN_CODE:
            raise DomainError(Code.FORBIDDEN, "This key does not open this screen.") from None
        raise
    room = await hub.room(auth.meeting_id)
    if room is None:
        raise DomainError(Code.FORBIDDEN, "This key does not open this screen.")
    return room, via[0]


async def opened_by(
    websocket: WebSocket, room: Room, message: AuthIn, role: Role, db: DatabaseDep, clock: Clock
) -> str | None:
    """What opens this screen: the key sent ("host", "presenter", or a role's: "cohost",
    "moderator"; server/services/roles.py), "session" (no key: the logged-in owner or a
    co-facilitator by account), or None."""
    if message.key is None:
        return "session" if await session_hosts(websocket, room, db, clock) else None
    found = role_of(message.key, room.auth)
    return found if found in SOCKETS[role] else None


async def session_hosts(websocket: WebSocket, room: Room, db: DatabaseDep, clock: Clock) -> bool:
    token = websocket.cookies.get(SESSION_COOKIE)
    return bool(token) and await db.run(accounts.session_hosts, token, room.meeting.id, clock.now())

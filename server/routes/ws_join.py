"""The join in a phone's websocket handshake, ``WS /ws/{code}?join=1&nickname=…&secret=…``: one
round trip where ``POST /api/join/{code}`` and then the socket take two. It passes the same gates
as that route (``joinable``, the nickname's rules, the door) and joins through the same ``admit``;
the participant cookie comes with the upgrade's 101 response. Browsers cannot set a websocket's
headers, so the join's body comes as query parameters (server/logfilter.py keeps them out of logs).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Response, WebSocket
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from server.domain.errors import Code, DomainError
from server.gate import client_address, join_guard, unknown_code
from server.realtime.hub import Hub
from server.realtime.messages import JoinedOut, dump
from server.realtime.room import Room
from server.routes import schemas
from server.routes.errors import STATUS_BY_CODE
from server.routes.join import admit, joinable, lookup_code, set_participant_cookie
from server.routes.shared import cookie_name
from server.services import participants as participant_service


@dataclass(frozen=True, slots=True)
class HandshakeJoin:
    room: Room
    participant_id: int
    nickname: str | None
    frame: str  # the `joined` frame: the socket's first, before its first `state`
    headers: list[tuple[bytes, bytes]]  # the 101's Set-Cookie, when a new participant was made


def wants_join(websocket: WebSocket) -> bool:
    return bool(websocket.scope.get("query_string")) and "join" in websocket.query_params


def close_code(code: Code) -> int:
    """A refused handshake join closes with 4000 + the status ``POST /api/join/{code}`` would give:
    4404 unknown_code, 4429 too_many_attempts, 4403 joins_closed, 4400 a nickname refused as text,
    4422 invalid_request, 4503 storage_failed."""
    return 4000 + STATUS_BY_CODE.get(code, 400)


def join_body(params: QueryParams) -> schemas.JoinBody:
    """The handshake's query as the join's body (``join=1``, ``nickname``, ``secret``), refused as
    the route refuses its body: ``invalid_request`` naming the parameter."""
    items = params.multi_items()
    names = [name for name, _ in items]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise _invalid(f"{twice}: given more than once")
    if params.get("join") != "1":
        raise _invalid("join: must be 1")
    try:
        return schemas.JoinBody.model_validate({name: value for name, value in items if name != "join"})
    except ValidationError as exc:
        parts = [f"{'.'.join(str(p) for p in e['loc']) or 'query'}: {e['msg']}" for e in exc.errors()[:3]]
        raise _invalid("; ".join(parts)) from None


async def _gate(websocket: WebSocket, code: str, secret: str | None, hub: Hub) -> tuple[str, int]:
    """``joinable()``, with ``JoinFastPath``'s shortcut for the common case: a client that is not
    blocked, joining a known code, is let in by ``joinable()`` anyway, and a live room knows its
    code without the database. Anything else (an unknown code, a blocked client) takes
    ``joinable()``, which refuses as the route does and counts. The naive mode has no shortcut."""
    naive = websocket.app.state.settings.naive_broadcast
    if not naive and not join_guard(websocket).blocked(client_address(websocket)):
        clean, meeting_id = await lookup_code(code, hub)
        if meeting_id is not None:
            return clean, meeting_id
    return await joinable(code, websocket, secret)


def _invalid(problem: str) -> DomainError:
    return DomainError(Code.INVALID_REQUEST, f"Invalid request: {problem}.")


async def handshake_join(websocket: WebSocket, code: str) -> HandshakeJoin:
    """Join (or, with the phone's cookie, rejoin) as ``POST /api/join/{code}`` does, in the same
    order of checks; each refusal is the ``DomainError`` that route answers with."""
    state = websocket.app.state
    hub: Hub = state.hub
    body = join_body(websocket.query_params)
    clean, meeting_id = await _gate(websocket, code, body.secret, hub)
    token = websocket.cookies.get(cookie_name(clean))
    nickname = participant_service.clean_nickname(body.nickname)  # refused here, never in a batch
    wanted = participant_service.JoinRequest(meeting_id, token, nickname, body.nickname is not None)
    out, joined = await admit(state.db, hub, state.joins, clean, wanted)
    room = hub.rooms.get(meeting_id)  # a live room learnt the token in admit()
    if room is None:
        room = await hub.room(meeting_id)
        if room is None:  # deleted in the meantime
            raise unknown_code()
        room.remember_token(joined.token or token or "", joined.participant_id)
    headers: list[tuple[bytes, bytes]] = []
    if joined.token is not None:
        carrier = Response()  # the route's own cookie, attributes and all
        set_participant_cookie(carrier, clean, joined.token, state.settings)
        headers = [(name, value) for name, value in carrier.raw_headers if name == b"set-cookie"]
    frame = dump(JoinedOut(**out))
    return HandshakeJoin(room, joined.participant_id, joined.nickname, frame, headers)

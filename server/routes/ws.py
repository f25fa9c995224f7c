"""Websocket endpoints: phones answer; the big screen and the remote watch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from server.db.database import Database
from server.deps import BatcherDep, DatabaseDep, HubDep, SettingsDep
from server.domain.agenda import Clock
from server.domain.errors import Code, DomainError
from server.guards import RateLimiter, TokenBucket
from server.realtime.beside_hub import BesideHub
from server.realtime.connection import Connection, Role
from server.realtime.finding import found_frame
from server.realtime.hub import Hub
from server.realtime.messages import (
    AckOut,
    AnswerIn,
    AskIn,
    AuthIn,
    ErrorOut,
    FindIn,
    NicknameOut,
    PingIn,
    PongOut,
    ReactIn,
    StepIn,
    VoteIn,
    WithdrawIn,
    dump,
    parse,
    participant_in,
    react_in,
    screen_in,
)
from server.realtime.pace_hub import PaceHub
from server.realtime.room import Room
from server.routes.ws_join import HandshakeJoin, close_code, handshake_join, wants_join
from server.routes.ws_open import opened_by, origin_allowed, participant_room, screen_room, session_hosts
from server.services.answers import OpResult
from server.services.batcher import AnswerBatcher
from server.settings import Settings

router = APIRouter()
log = logging.getLogger("kring.ws")

AUTH_TIMEOUT = 10.0


def _uncancel() -> None:
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


def _error(code: Code, message: str, client_id: str | None = None) -> str:
    return dump(ErrorOut(code=code, message=message, client_id=client_id))


async def _refuse(websocket: WebSocket, code: int, error: Code, message: str) -> None:
    await websocket.accept()
    await websocket.send_text(_error(error, message))
    await websocket.close(code)


BINARY = "\x00binary"  # stands for a binary frame; never valid JSON


async def _receive(websocket: WebSocket) -> str | None:
    """The next text frame (or BINARY for a binary one); None when the client has gone."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    return str(text) if text is not None else BINARY


@router.websocket("/ws/{code}")
async def participant_socket(
    websocket: WebSocket,
    code: str,
    db: DatabaseDep,
    hub: HubDep,
    batcher: BatcherDep,
    settings: SettingsDep,
) -> None:
    """A phone: with the participant cookie from joining, or joining in its handshake (`?join=1`,
    with `nickname` and `secret` as in the join's body; the cookie comes with the 101)."""
    await _participant(websocket, code, db, hub, batcher, settings)


async def _participant(
    websocket: WebSocket, code: str, db: Database, hub: Hub, batcher: AnswerBatcher, settings: Settings
) -> None:
    if not origin_allowed(websocket):
        await websocket.close(1008)  # before accept: the upgrade is refused with 403
        return
    joined: HandshakeJoin | None = None
    if wants_join(websocket):
        try:
            joined = await handshake_join(websocket, code)
        except DomainError as exc:  # as POST /api/join/{code} refuses it, its status in the close code
            await _refuse(websocket, close_code(exc.code), exc.code, exc.message)
            return
        room, participant_id, nickname = joined.room, joined.participant_id, joined.nickname
    else:
        opened = await participant_room(websocket, code, db, hub)
        if opened is None:
            await _refuse(websocket, 4401, Code.NOT_JOINED, "Join the meeting first (POST /api/join/{code}).")
            return
        room, (participant_id, nickname) = opened
    limiter: RateLimiter = websocket.app.state.rate_limiter
    beside: BesideHub = websocket.app.state.beside
    room.nicknames.setdefault(participant_id, nickname)
    await websocket.accept(headers=joined.headers if joined is not None else None)
    connection = Connection(
        websocket,
        "participant",
        participant_id=participant_id,
        max_backlog=settings.ws_max_backlog,
        transport=websocket.app.state.transport,
    )
    # Who the phone is, before the greeting's first state: the join's answer after a join in the
    # handshake, else its nickname alone (no frame shared with every phone names it).
    connection.push(
        joined.frame if joined is not None else dump(NicknameOut(nickname=room.nicknames.get(participant_id)))
    )
    hub.connect(room, connection)
    try:
        while (raw := await _receive(websocket)) is not None:
            await connection.room_for_replies()
            if _tap(raw, hub.rooms.get(room.meeting.id, room), connection, participant_id, beside):
                continue  # reactions have their own, faster limit
            if not limiter.allow((room.meeting.id, participant_id)):
                connection.push(_error(Code.RATE_LIMITED, "Too many messages; slow down and resend."))
                continue
            await _handle_participant(raw, room, connection, participant_id, batcher, hub, beside)
            if room.meeting.id not in hub.rooms:
                break
    except WebSocketDisconnect:
        pass
    except asyncio.CancelledError:
        if not connection.abandoned:
            raise
        _uncancel()  # dropped for not reading: end quietly, the server closes the transport
    finally:
        await hub.disconnect(room, connection)


async def _handle_participant(
    raw: str,
    room: Room,
    connection: Connection,
    participant_id: int,
    batcher: BatcherDep,
    hub: HubDep,
    beside: BesideHub,
) -> None:
    client_id: str | None = None
    if raw == BINARY:
        connection.push(_error(Code.BINARY_FRAME, "Send JSON text frames, not binary ones."))
        return
    try:
        message = parse(participant_in, raw)
        if isinstance(message, PingIn):
            connection.push(dump(PongOut()))
            return
        # The room object may have been replaced if the meeting was deleted and reloaded.
        live = hub.rooms.get(room.meeting.id, room)
        if isinstance(message, FindIn):
            connection.push(found_frame(live, message))
            return
        if isinstance(message, AskIn | VoteIn):
            connection.push(await beside.ask_or_vote(live, participant_id, message))
            return
        if isinstance(message, StepIn):
            pace: PaceHub = connection.ws.app.state.pace
            connection.push(await pace.step(live, participant_id, message))
            return
        if isinstance(message, ReactIn):  # one that _tap did not recognise (spelled otherwise)
            beside.react(live, connection, participant_id, message)
            return
        assert isinstance(message, AnswerIn | WithdrawIn)
        client_id = message.client_id
        op = live.prepare(participant_id, message)
        result = await batcher.submit(op)
        connection.push(_ack_or_error(result, live))
    except DomainError as exc:
        connection.push(_error(exc.code, exc.message, client_id))


def _tap(raw: str, room: Room, connection: Connection, participant_id: int, beside: BesideHub) -> bool:
    """A reaction, counted under its own limit (a hall tapping along must not use up the limit
    its answers need); False for anything else, which takes the normal path."""
    if '"react"' not in raw:
        return False
    try:
        message = parse(react_in, raw)
    except DomainError:
        return False
    beside.react(room, connection, participant_id, message)
    return True


def _ack_or_error(result: OpResult, room: Room) -> str:
    if result.error is not None:
        return _error(result.error.code, result.error.message, result.op.client_id)
    op = result.op
    return dump(
        AckOut(
            client_id=op.client_id,
            activity_id=op.activity_id,
            slot=op.slot,
            entry_id=result.entry_id,
            value=result.payload,
            withdrawn=op.op == "withdraw",
            duplicate=result.duplicate,
            v=room.version,
        )
    )


async def _screen(
    websocket: WebSocket, code: str, db: Database, hub: Hub, settings: Settings, role: Role
) -> None:
    clock: Clock = websocket.app.state.clock
    if not origin_allowed(websocket):
        await websocket.close(1008)
        return
    # Every well-formed code is accepted the same way: the first message's key decides.
    await websocket.accept()
    try:
        raw = await asyncio.wait_for(_receive(websocket), AUTH_TIMEOUT)
        if raw is None:
            return
        message: Any = parse(screen_in, raw)
        room, via = await screen_room(websocket, code, message, role, db, hub, clock)
    except (DomainError, TimeoutError) as exc:
        code_, text = (
            (exc.code, exc.message)
            if isinstance(exc, DomainError)
            else (Code.AUTH_TIMEOUT, 'Send {"type": "auth", "key": ...} first.')
        )
        with contextlib.suppress(Exception):
            await websocket.send_text(_error(code_, text))
            await websocket.close(4403)
        return
    except WebSocketDisconnect:
        return
    connection = Connection(
        websocket, role, max_backlog=settings.ws_max_backlog, transport=websocket.app.state.transport
    )
    connection.via = via
    bucket = TokenBucket(settings.ws_rate_per_minute / 60, settings.ws_rate_burst)
    hub.connect(room, connection)
    try:
        while (raw := await _receive(websocket)) is not None:
            await connection.room_for_replies()
            if not bucket.take():
                connection.push(_error(Code.RATE_LIMITED, "Too many messages; slow down."))
                continue
            if raw == BINARY:
                connection.push(_error(Code.BINARY_FRAME, "Send JSON text frames, not binary ones."))
                continue
            try:
                message = parse(screen_in, raw)
                # Every message is checked again: a key sent now, or the session that opened it.
                if isinstance(message, AuthIn):
                    allowed = await opened_by(websocket, room, message, role, db, clock) is not None
                else:
                    allowed = via != "session" or await session_hosts(websocket, room, db, clock)
                if not allowed:
                    connection.push(_error(Code.FORBIDDEN, "This key does not open this screen."))
                    await connection.flush(0.5)
                    with contextlib.suppress(Exception):
                        await websocket.close(4403)
                    break
                if isinstance(message, PingIn):
                    connection.push(dump(PongOut()))
            except DomainError as exc:
                connection.push(_error(exc.code, exc.message))
    except WebSocketDisconnect:
        pass
    except asyncio.CancelledError:
        if not connection.abandoned:
            raise
        _uncancel()  # dropped for not reading: end quietly, the server closes the transport
    finally:
        await hub.disconnect(room, connection)


@router.websocket("/ws/{code}/presenter")
async def presenter_socket(
    websocket: WebSocket, code: str, db: DatabaseDep, hub: HubDep, settings: SettingsDep
) -> None:
    """The big screen: first message {"type": "auth", "key": <presenter or host key>}, or
    {"type": "auth"} from the logged-in owner or a co-facilitator (the session cookie)."""
    await _screen(websocket, code, db, hub, settings, "presenter")


@router.websocket("/ws/{code}/host")
async def host_socket(
    websocket: WebSocket, code: str, db: DatabaseDep, hub: HubDep, settings: SettingsDep
) -> None:
    """The facilitator's remote: first message {"type": "auth", "key": <host key>}, or
    {"type": "auth"} from the logged-in owner or a co-facilitator (the session cookie)."""
    await _screen(websocket, code, db, hub, settings, "host")


_SOCKETS: tuple[tuple[re.Pattern[str], Role], ...] = (
    (re.compile(r"/ws/([^/]+)"), "participant"),
    (re.compile(r"/ws/([^/]+)/presenter"), "presenter"),
    (re.compile(r"/ws/([^/]+)/host"), "host"),
)


class SocketFastPath:
    """The websockets above, dispatched before FastAPI's middleware, router and dependencies.

    A socket lives as long as the meeting, and every ASGI layer it passes through keeps a
    coroutine frame on its stack: about 26 frames, 7 KiB per phone, and a dependency solve per
    connect. Dispatched here, a phone carries a third of that. The routes stay declared above
    (the same handlers), so the API and its docs are unchanged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _socket_for(scope["path"]) if scope["type"] == "websocket" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        role, code = found
        state = scope["app"].state
        websocket = WebSocket(scope, receive, send)
        if role == "participant":
            await _participant(websocket, code, state.db, state.hub, state.batcher, state.settings)
        else:
            await _screen(websocket, code, state.db, state.hub, state.settings, role)


def _socket_for(path: str) -> tuple[Role, str] | None:
    for pattern, role in _SOCKETS:
        match = pattern.fullmatch(path)
        if match is not None:
            return role, match[1]
    return None

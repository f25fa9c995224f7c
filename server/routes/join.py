"""Joining a meeting without an account: the join link's QR code, the code check, the join
itself with its participant cookie, and ``JoinFastPath``, the join storm's way past FastAPI."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import qr
from server.db.database import Database
from server.deps import CodePath, CurrentScreen, DatabaseDep, HubDep, JoinsDep, SettingsDep
from server.domain.errors import Code, DomainError
from server.domain.meeting import is_valid_code, normalise_code
from server.domain.series import PASS_INPUT_MAX
from server.gate import client_address, join_guard, open_meeting, secret_matches, too_many_attempts
from server.guards import JoinGuard
from server.realtime.hub import Hub
from server.routes import schemas
from server.routes.errors import error_response
from server.routes.shared import COOKIE_MAX_AGE, api_router, cookie_name, join_responses, load_meeting
from server.services import participants as participant_service
from server.services.batcher import JoinBatcher
from server.services.meetings import MeetingAuth
from server.settings import Settings

router = api_router()


qr_responses: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.ErrorOut, "description": "Unknown code, or no presenter or host key"},
    429: {"model": schemas.ErrorOut, "description": "Too many refused codes or keys from this client"},
}


@router.get(
    "/meetings/{code}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The QR code"}, **qr_responses},
)
async def qr_svg(auth: CurrentScreen, db: DatabaseDep, hub: HubDep) -> Response:
    """The join link with its join secret as an SVG QR code (presenter key, host key or session)."""
    return Response(qr.svg(await _join_link(auth, db, hub)), media_type="image/svg+xml")


@router.get(
    "/meetings/{code}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The QR code"}, **qr_responses},
)
async def qr_png(auth: CurrentScreen, db: DatabaseDep, hub: HubDep) -> Response:
    """The join link with its join secret as a PNG QR code (presenter key, host key or session)."""
    return Response(qr.png(await _join_link(auth, db, hub)), media_type="image/png")


async def _join_link(auth: MeetingAuth, db: Database, hub: Hub) -> str:
    return hub.join_url((await load_meeting(db, auth.meeting_id)).code, auth.join_secret)


async def lookup_code(code: str, hub: Hub) -> tuple[str, int | None]:
    """The normalised code and its meeting's id (None if there is none); nothing is counted."""
    clean = normalise_code(code)
    return clean, await hub.meeting_id_for_code(clean) if is_valid_code(clean) else None


async def joinable(code: str, request: HTTPConnection, secret: str | None = None) -> tuple[str, int]:
    """The normalised code and meeting id for a join (over HTTP, or in a phone's websocket
    handshake). A typed code is fine while the client is not blocked (unknown codes count against
    it: 429 after too many, so codes cannot be enumerated); a blocked client still gets in with the
    QR link's join secret or its participant cookie (a whole room behind one address is not locked
    out by a guesser among it)."""
    clean = normalise_code(code)
    token = request.cookies.get(cookie_name(clean))
    blocked = join_guard(request).blocked(client_address(request))
    if blocked and not secret and not token:
        raise too_many_attempts()  # nothing to check: no lookup, known and unknown codes alike
    db: Database = request.app.state.db

    async def check(auth: MeetingAuth) -> bool:
        if not blocked or secret_matches(secret, auth):
            return True
        found = (
            await db.run(participant_service.participant_for_token, auth.meeting_id, token) if token else None
        )
        return found is not None

    auth = await open_meeting(request, clean, check)
    return clean, auth.meeting_id


@router.get(
    "/join/{code}",
    response_model=schemas.MeetingPublic,
    responses=join_responses,
)
async def meeting_public(
    code: CodePath,
    request: Request,
    db: DatabaseDep,
    x_join_secret: Annotated[
        str | None,
        Header(max_length=64, description="The QR link's join secret, as `secret` in the join's body"),
    ] = None,
) -> dict[str, Any]:
    """Check a join code: the meeting's public face, or 404."""
    _, meeting_id = await joinable(code, request, x_join_secret)
    public = (await load_meeting(db, meeting_id)).public()
    if public.get("series_position") is not None:
        public["pass_input_max"] = PASS_INPUT_MAX
    return public


@router.post("/join/{code}", response_model=schemas.JoinOut, responses=join_responses)
async def join(
    code: CodePath,
    body: schemas.JoinBody,
    request: Request,
    response: Response,
    db: DatabaseDep,
    hub: HubDep,
    settings: SettingsDep,
    joins: JoinsDep,
) -> dict[str, Any]:
    """Join (or rejoin) a meeting; sets the HttpOnly participant cookie. No account needed."""
    clean, meeting_id = await joinable(code, request, body.secret)
    token = request.cookies.get(cookie_name(clean))
    nickname = participant_service.clean_nickname(body.nickname)  # refused here, never in a batch
    wanted = participant_service.JoinRequest(meeting_id, token, nickname, body.nickname is not None)
    out, joined = await admit(db, hub, joins, clean, wanted)
    if joined.token is not None:
        set_participant_cookie(response, clean, joined.token, settings)
    return out


async def admit(
    db: Database, hub: Hub, joins: JoinBatcher, clean: str, request: participant_service.JoinRequest
) -> tuple[dict[str, Any], participant_service.Joined]:
    """Join through the batcher and tell the live room: the join's body (schemas.JoinOut) and the
    participant (its ``token`` set when a new one was made). Shared by the route, ``JoinFastPath``
    and the join in a phone's websocket handshake (server/routes/ws_join.py)."""
    joined = await joins.submit(request)
    if joined.door_closed:
        raise DomainError(
            Code.JOINS_CLOSED, "The host has closed the door: this meeting takes no new participants now."
        )
    room = hub.rooms.get(request.meeting_id)
    if room is not None:
        room.set_nickname(joined.participant_id, joined.nickname)
        # The phone's websocket follows within a second: it finds its participant here.
        room.remember_token(joined.token or request.token or "", joined.participant_id)
    # The live room knows the meeting already: a join storm does not reload it once per phone.
    meeting = room.meeting if room is not None else await load_meeting(db, request.meeting_id)
    ws_base = hub.public_base.replace("http", "ws", 1)
    out = {**meeting.public(), "nickname": joined.nickname, "websocket": f"{ws_base}/ws/{clean}"}
    return out, joined


def set_participant_cookie(response: Response, clean: str, token: str, settings: Settings) -> None:
    response.set_cookie(
        cookie_name(clean),
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies(),
        path="/",
    )


_JOIN_PATH = re.compile(r"/api/join/([A-Za-z0-9 -]{1,20})")
_JOIN_BODY_LIMIT = 4096


class JoinFastPath:
    """``POST /api/join/{code}`` without FastAPI's router, dependency solving and response model.

    A join storm is almost all HTTP framework: in a py-spy profile of 10,000 joins at 1,000/s
    (``bench/results/profile-join-storm.txt``) the endpoint's own work was a tenth of the event
    loop's busy time. This takes the common case (a small JSON body that validates, a known code,
    a client that is not blocked, an acceptable nickname) through the same ``admit`` as the route.
    Anything else goes on to the route with its body replayed, so every refusal is the route's
    own, and the API and its schema are unchanged. The naive mode of the benchmark turns it off.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            _JOIN_PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        state = scope["app"].state if match is not None else None
        if match is None or state is None or state.settings.naive_broadcast:
            await self.app(scope, receive, send)
            return
        read: list[Message] = []
        body = b""
        while True:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False) or len(body) > _JOIN_BODY_LIMIT:
                break
        last = read[-1]
        complete = last["type"] == "http.request" and not last.get("more_body", False)
        small = len(body) <= _JOIN_BODY_LIMIT
        if complete and small and await self._fast(scope, send, state, match[1], body):
            return

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        await self.app(scope, replay, send)

    async def _fast(self, scope: Scope, send: Send, state: Any, code: str, body: bytes) -> bool:
        """Answer the join here, or return False (nothing sent, nothing counted) for the route."""
        headers = Headers(scope=scope)
        if not headers.get("content-type", "").startswith("application/json"):
            return False
        try:
            parsed = schemas.JoinBody.model_validate_json(body)
        except ValidationError:
            return False
        hub: Hub = state.hub
        guard: JoinGuard = state.join_guard
        client = scope.get("client")
        if guard.blocked(client[0] if client else None):
            return False
        clean, meeting_id = await lookup_code(code, hub)
        if meeting_id is None:
            return False
        try:
            nickname = participant_service.clean_nickname(parsed.nickname)
        except DomainError:
            return False
        token = cookie_parser(headers.get("cookie", "")).get(cookie_name(clean))
        request = participant_service.JoinRequest(meeting_id, token, nickname, parsed.nickname is not None)
        try:
            out, joined = await admit(state.db, hub, state.joins, clean, request)
        except DomainError as exc:
            response: Response = error_response(exc, headers.get("accept-language"))
        else:
            response = JSONResponse(out)
            if joined.token is not None:
                set_participant_cookie(response, clean, joined.token, state.settings)
        await response(scope, _no_body, send)
        return True


async def _no_body() -> Message:
    return {"type": "http.disconnect"}

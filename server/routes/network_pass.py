"""The network pass on the phone: take it (a cookie for the series and a personal code with its QR),
join a later meeting with it (the cookie, or the code typed on another device), and the
participant's own trend ("jouw ontwikkeling"), which only their own cookie opens."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from server import qr
from server.db.database import Database
from server.deps import ActivityIdPath, CodePath, DatabaseDep, HubDep, SettingsDep
from server.domain.errors import Code, DomainError
from server.domain.series import is_valid_pass_code, normalise_pass_code
from server.gate import client_address, join_guard, too_many_attempts
from server.routes import series_schemas as body_of
from server.routes.join import joinable, lookup_code, set_participant_cookie
from server.routes.shared import api_router, cookie_name, join_responses, load_meeting
from server.services import network_pass, trends
from server.services import participants as participant_service
from server.services import series as series_service
from server.settings import Settings

router = api_router()

PASS_COOKIE = "kring_pass_"
PASS_COOKIE_DAYS_MAX = 400  # what browsers keep a cookie at most


def pass_cookie(series_id: int) -> str:
    return f"{PASS_COOKIE}{series_id}"


def not_joined() -> DomainError:
    return DomainError(Code.NOT_JOINED, "This device has not joined this meeting (or was erased already).")


async def _participant(request: Request, code: str, db: Database) -> tuple[int, int, str]:
    """The meeting and the participant behind this phone's cookie, and the clean code."""
    clean, meeting_id = await lookup_code(code, request.app.state.hub)
    token = request.cookies.get(cookie_name(clean))
    found = (
        await db.run(participant_service.participant_for_token, meeting_id, token)
        if token and meeting_id is not None
        else None
    )
    if found is None or meeting_id is None:
        raise not_joined()
    return meeting_id, found[0], clean


def _set_pass_cookie(response: Response, series_id: int, secret: str, days: int, settings: Settings) -> None:
    response.set_cookie(
        pass_cookie(series_id),
        secret,
        max_age=min(days, PASS_COOKIE_DAYS_MAX) * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies(),
        path="/",
    )


@router.get("/join/{code}/pass", response_model=body_of.PassStatus, responses=join_responses)
async def pass_status(code: CodePath, request: Request, db: DatabaseDep) -> dict[str, Any]:
    """Whether this meeting is part of a series, and this phone's pseudonym there (null: none)."""
    meeting_id, participant_id, _ = await _participant(request, code, db)
    place = await db.run(series_service.series_of_meeting, meeting_id)
    if place is None:
        raise DomainError(
            Code.NOT_IN_SERIES, "This meeting is not part of a series: there is no network pass."
        )
    return {
        "series_title": await db.run(series_service.title_of, place[0]),
        "position": place[1],
        "number": await db.run(network_pass.number_of, participant_id),
    }


@router.post("/join/{code}/pass", response_model=body_of.PassTaken, responses=join_responses)
async def take_pass(
    code: CodePath, request: Request, response: Response, db: DatabaseDep, hub: HubDep, settings: SettingsDep
) -> dict[str, Any]:
    """Take the network pass: a pseudonym in the series, its cookie on this phone, and a personal
    code (with its QR) to take along to another device. Nothing personal is asked; only hashes of
    the two secrets are kept. Taken again, the pseudonym stays and gets new secrets."""
    meeting_id, participant_id, _ = await _participant(request, code, db)
    taken = await db.run(network_pass.take, meeting_id, participant_id)
    info = await db.run(series_service.load, taken.series_id)
    _set_pass_cookie(
        response, taken.series_id, taken.secret, info.retention_days or settings.retention_days, settings
    )
    url = f"{hub.public_base}/#pass={taken.code}"
    return {
        "number": taken.number,
        "code": taken.code,
        "url": url,
        "qr_svg": qr.svg(url).decode(),
        "series_title": info.title,
    }


@router.post("/join/{code}/pass/join", response_model=body_of.PassJoined, responses=join_responses)
async def join_with_pass(
    code: CodePath,
    body: body_of.PassJoinBody,
    request: Request,
    response: Response,
    db: DatabaseDep,
    hub: HubDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Join as the pseudonym of a pass: the pass's cookie on this phone, or the personal code typed
    on another device (which then carries the pass's cookie too). A code that opens nothing counts
    against the client, as an unknown meeting code does: 429 after too many."""
    clean, meeting_id = await joinable(code, request, body.secret)
    guard = join_guard(request)
    typed = normalise_pass_code(body.code) if body.code else None
    if typed is not None and guard.blocked(client_address(request)):
        raise too_many_attempts()
    secrets = [] if typed is not None else _pass_secrets(request)
    if typed is None and not secrets:
        raise DomainError(Code.NO_PASS, "This device carries no network pass; type your personal code.")
    nickname = participant_service.clean_nickname(body.nickname)
    found = None
    if typed is not None and is_valid_pass_code(typed):
        found = await db.run(
            lambda s: network_pass.join(
                s, meeting_id, code=typed, nickname=nickname, nickname_given=body.nickname is not None
            )
        )
    for secret in secrets:
        found = found or await db.run(
            lambda s, secret=secret: network_pass.join(
                s, meeting_id, secret=secret, nickname=nickname, nickname_given=body.nickname is not None
            )
        )
    if found is None:
        if typed is not None and not guard.failed(client_address(request)):
            raise too_many_attempts()
        raise DomainError(Code.UNKNOWN_PASS, "This code is not a network pass of this meeting's series.")
    if found.joined.door_closed:
        raise DomainError(
            Code.JOINS_CLOSED, "The host has closed the door: this meeting takes no new participants now."
        )
    token = found.joined.token
    assert token is not None
    room = hub.rooms.get(meeting_id)
    if room is not None:
        room.set_nickname(found.joined.participant_id, found.joined.nickname)
        room.remember_token(token, found.joined.participant_id)
    # A device that typed the code gets no cookie of the pass: a new cookie secret would end the
    # first device's. Its page keeps the code (on the device only) to join the next meeting with.
    set_participant_cookie(response, clean, token, settings)
    meeting = await load_meeting(db, meeting_id)
    ws_base = hub.public_base.replace("http", "ws", 1)
    return {
        **meeting.public(),
        "nickname": found.joined.nickname,
        "websocket": f"{ws_base}/ws/{clean}",
        "number": found.number,
    }


def _pass_secrets(request: Request) -> list[str]:
    """The pass cookies this phone carries (one per series it took a pass in), at most a few."""
    return [value for name, value in request.cookies.items() if name.startswith(PASS_COOKIE) and value][:8]


@router.get("/join/{code}/trend/{activity_id}", response_model=body_of.TrendOut, responses=join_responses)
async def own_trend(
    code: CodePath, activity_id: ActivityIdPath, request: Request, db: DatabaseDep
) -> dict[str, Any]:
    """Jouw ontwikkeling: this phone's own answers to a linked activity in every meeting of the
    series so far. Only the participant's own cookie opens it; nobody else sees it."""
    meeting_id, participant_id, _ = await _participant(request, code, db)
    found = await db.run(trends.trend_of, meeting_id, activity_id, participant_id)
    return {"trend": found.public() if found is not None else None}

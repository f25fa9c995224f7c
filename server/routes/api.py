"""The HTTP API: facilitators build and run meetings (host key), participants join."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import qr
from server.db.database import Database
from server.deps import (
    ActivityIdPath,
    ClockDep,
    CodePath,
    CurrentHost,
    CurrentLead,
    CurrentModerator,
    CurrentScreen,
    DatabaseDep,
    HubDep,
    JoinsDep,
    SettingsDep,
    TemplateParserDep,
    current_account,
)
from server.domain.agenda import BlockInfo
from server.domain.errors import DomainError
from server.domain.meeting import (
    ActivityInfo,
    MeetingInfo,
    is_valid_code,
    next_activity,
    normalise_code,
    previous_activity,
)
from server.gate import client_address, join_guard, open_meeting, secret_matches, too_many_attempts
from server.guards import JoinGuard, RateLimiter
from server.realtime.hub import Hub
from server.routes import schemas
from server.routes.errors import error_response
from server.services import accounts
from server.services import demo as demo_service
from server.services import meetings as service
from server.services import participants as participant_service
from server.services import templates as template_service
from server.services.accounts import Account
from server.services.batcher import JoinBatcher
from server.services.events import MeetingDeleted
from server.services.meetings import MeetingAuth
from server.settings import Settings
from server.text import N_

router = APIRouter(
    prefix="/api",
    responses={
        400: {"model": schemas.ErrorOut, "description": "Refused by a rule of the meeting (see the code)"},
        422: {"model": schemas.ErrorOut, "description": "`invalid_request`: does not match the schema"},
    },
)
host_responses: dict[int | str, dict[str, Any]] = {
    403: {"model": schemas.ErrorOut, "description": "`csrf`: a session without its CSRF token"},
    # No host key, a wrong one, or a session that does not host it: as an unknown code.
    404: {"model": schemas.ErrorOut, "description": "Unknown code or activity, or no key that opens it"},
    429: {"model": schemas.ErrorOut, "description": "Too many refused codes or keys from this client"},
}
join_responses: dict[int | str, dict[str, Any]] = {
    403: {"model": schemas.ErrorOut, "description": "`joins_closed`: the host closed the door"},
    404: {"model": schemas.ErrorOut, "description": "Unknown code"},
    429: {"model": schemas.ErrorOut, "description": "Too many unknown codes from this client"},
}


def conflict(description: str) -> dict[int | str, dict[str, Any]]:
    """The host responses plus a 409 for a request the meeting's state does not allow."""
    return {**host_responses, 409: {"model": schemas.ErrorOut, "description": description}}


COOKIE_PREFIX = "kring_"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30


def cookie_name(code: str) -> str:
    return f"{COOKIE_PREFIX}{code}"


def _activity_out(activity: ActivityInfo) -> schemas.ActivityOut:
    return schemas.ActivityOut(
        id=activity.id,
        position=activity.position,
        kind=activity.kind,
        prompt=activity.prompt,
        settings=activity.settings,
        status=activity.status,
        show_results_presenter=activity.show_results_presenter,
        show_results_phones=activity.show_results_phones,
        moderation=activity.moderation,
        block_id=activity.block_id,
    )


def block_out(block: BlockInfo) -> schemas.BlockOut:
    return schemas.BlockOut(
        id=block.id,
        position=block.position,
        title=block.title,
        duration_minutes=block.duration_minutes,
        start_time=block.start_time,
        goal=block.goal,
        description=block.description,
        who=block.who,
        materials=block.materials,
        essential=block.essential,
        is_break=block.is_break,
        self_paced=block.self_paced,
        activity_ids=list(block.activity_ids),
    )


def _meeting_out(meeting: MeetingInfo, hub: HubDep) -> dict[str, Any]:
    base = hub.public_base
    room = hub.rooms.get(meeting.id)
    return {
        "code": meeting.code,
        "title": meeting.title,
        "theme": meeting.theme,
        "language": meeting.language,
        "join_url": hub.join_url(meeting.code, meeting.join_secret),
        "qr_svg_url": f"{base}/api/meetings/{meeting.code}/qr.svg",
        "qr_png_url": f"{base}/api/meetings/{meeting.code}/qr.png",
        "current_activity_id": meeting.current_activity_id,
        "participants_online": room.participants if room else 0,
        "activities": [_activity_out(a) for a in meeting.activities],
        "blocks": [block_out(b) for b in meeting.agenda.ordered],
        "description": meeting.description,
        "preparation": meeting.preparation,
        "show_schedule": meeting.show_schedule,
    }


async def _meeting(db: DatabaseDep, meeting_id: int) -> MeetingInfo:
    meeting = await db.run(service.load_meeting, meeting_id)
    if meeting is None:
        raise DomainError("unknown_code", "There is no meeting with this code.")
    return meeting


async def may_create_anonymously(request: Request, db: Database) -> None:
    """Refuses an anonymous create or import: `login_required` once accounts exist, else 429
    `too_many_meetings` past the per-address allowance (KRING_CREATE_BURST, _PER_HOUR)."""
    if await db.run(accounts.accounts_exist):
        raise DomainError("login_required", "Log in as a facilitator to create meetings on this instance.")
    limiter: RateLimiter = request.app.state.create_limiter
    if not limiter.allow(join_guard(request).key_of(client_address(request))):
        raise DomainError(
            "too_many_meetings", "Too many new meetings from this address; wait a while, or log in."
        )


@router.post(
    "/meetings",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MeetingCreated,
    responses={
        401: {"model": schemas.ErrorOut, "description": "`login_required` once accounts exist"},
        403: {"model": schemas.ErrorOut, "description": "`csrf`: a session without its CSRF token"},
        404: {"model": schemas.ErrorOut, "description": "`unknown_template`"},
        429: {"model": schemas.ErrorOut, "description": "`too_many_meetings` from this address"},
    },
)
async def create_meeting(
    request: Request,
    account: Annotated[Account | None, Depends(current_account)],
    body: schemas.MeetingCreate,
    db: DatabaseDep,
    hub: HubDep,
    parser: TemplateParserDep,
) -> dict[str, Any]:
    """Create a meeting; the response holds the host and presenter keys, shown only once.

    Without any facilitator account on the instance anyone may (single-facilitator mode), a
    limited number per address; once an account exists, only a logged-in facilitator may, and
    the meeting becomes theirs."""
    if account is None:
        await may_create_anonymously(request, db)
    if body.template is not None and body.template_yaml is not None:
        raise DomainError(
            "invalid_template",
            N_("Send either template (a builtin's name) or template_yaml (your own), not both."),
        )
    if body.template is not None or body.template_yaml is not None:
        template = (
            template_service.builtin(body.template)
            if body.template is not None
            else await template_service.read_own(parser, body.template_yaml or "", body.template_file)
        )
        values = dict(body.values)
        if body.theme and "thema" in {p.name for p in template.placeholders}:
            values.setdefault("thema", body.theme)
        created = await db.run(
            lambda s: template_service.create_from_template(s, template, values, title=body.title)
        )
    elif body.title is None:
        raise DomainError("missing_title", "A meeting needs a title (or a template that gives one).")
    elif body.demo:
        created = await db.run(demo_service.create_demo, body.theme, body.language, body.title)
    else:
        created = await db.run(service.create_meeting, body.title, body.theme, body.language)
    if account is not None:
        await db.run(accounts.set_owner, created.meeting.id, account.id)
    code = created.meeting.code
    return {
        **_meeting_out(created.meeting, hub),
        "host_key": created.host_key,
        "presenter_key": created.presenter_key,
        "host_url": f"{hub.public_base}/m/{code}/remote#key={created.host_key}",
        "presenter_url": f"{hub.public_base}/m/{code}/present#key={created.presenter_key}",
    }


@router.get("/meetings/{code}", response_model=schemas.MeetingOut, responses=host_responses)
async def get_meeting(meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep) -> dict[str, Any]:
    """The meeting with its activities (host only)."""
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.patch("/meetings/{code}", response_model=schemas.MeetingOut, responses=host_responses)
async def update_meeting(
    body: schemas.MeetingUpdate, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """Change the title, theme, language, retention, the draaiboek's description and notes, or
    whether the big screen shows the schedule."""
    event = await db.run(
        lambda s: service.update_meeting(
            s,
            meeting_id,
            title=body.title,
            theme=body.theme,
            language=body.language,
            retention_days=body.retention_days
            if "retention_days" in body.model_fields_set
            else service.UNSET,
            description=body.description,
            preparation=body.preparation,
            show_schedule=body.show_schedule,
        )
    )
    await hub.publish([event])
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.delete("/meetings/{code}", status_code=status.HTTP_204_NO_CONTENT, responses=host_responses)
async def delete_meeting(meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep) -> Response:
    """Delete the meeting and every row that belongs to it, now."""
    await db.run(service.delete_meeting, meeting_id)
    await hub.publish([MeetingDeleted(meeting_id)])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/meetings/{code}/activities",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ActivityOut,
    responses=host_responses,
)
async def add_activity(
    body: schemas.ActivityCreate, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.ActivityOut:
    """Add an activity; settings left out take the kind's defaults."""
    activity, event = await db.run(
        lambda s: service.add_activity(
            s,
            meeting_id,
            body.kind,
            prompt=body.prompt,
            settings=body.settings,
            position=body.position,
            block_id=body.block_id,
        )
    )
    await hub.publish([event])
    return _activity_out(activity)


@router.patch(
    "/meetings/{code}/activities/{activity_id}",
    response_model=schemas.ActivityOut,
    responses=conflict("`has_answers`: settings change while the activity has answers"),
)
async def update_activity(
    activity_id: ActivityIdPath,
    body: schemas.ActivityUpdate,
    meeting_id: CurrentHost,
    db: DatabaseDep,
    hub: HubDep,
) -> schemas.ActivityOut:
    """Edit the prompt or settings (settings only while the activity has no answers)."""
    activity, event = await db.run(
        lambda s: service.update_activity(
            s,
            meeting_id,
            activity_id,
            prompt=body.prompt,
            settings=body.settings,
            block_id=body.block_id if "block_id" in body.model_fields_set else service.UNSET,
        )
    )
    await hub.publish([event])
    return _activity_out(activity)


@router.delete(
    "/meetings/{code}/activities/{activity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=host_responses,
)
async def delete_activity(
    activity_id: ActivityIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> Response:
    """Delete an activity and its answers."""
    event = await db.run(service.delete_activity, meeting_id, activity_id)
    await hub.publish([event])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/meetings/{code}/order", response_model=schemas.MeetingOut, responses=host_responses)
async def reorder(
    body: schemas.Order, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """Reorder the activities."""
    event = await db.run(service.reorder_activities, meeting_id, body.order)
    await hub.publish([event])
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/activities/{activity_id}/open",
    response_model=schemas.MeetingOut,
    responses=host_responses,
)
async def open_activity(
    activity_id: ActivityIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> dict[str, Any]:
    """Open an activity: every phone switches to it; any other open activity closes. An activity
    of another agenda block moves the agenda to that block."""
    event = await db.run(service.open_, meeting_id, activity_id, clock.now())
    await hub.publish([event])
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/activities/{activity_id}/close",
    response_model=schemas.MeetingOut,
    responses=host_responses,
)
async def close_activity(
    activity_id: ActivityIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """Close an activity: answers stop; a late answer gets a 'closed' error."""
    event = await db.run(service.close, meeting_id, activity_id)
    await hub.publish([event])
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/next",
    response_model=schemas.MeetingOut,
    responses=conflict("`no_activity`: there is no next activity"),
)
async def open_next(meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep) -> dict[str, Any]:
    """Open the activity after the current one (the first when none is current)."""
    return await _step(meeting_id, db, hub, clock, forward=True)


@router.post(
    "/meetings/{code}/previous",
    response_model=schemas.MeetingOut,
    responses=conflict("`no_activity`: there is no previous activity"),
)
async def open_previous(
    meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> dict[str, Any]:
    """Open the activity before the current one."""
    return await _step(meeting_id, db, hub, clock, forward=False)


async def _step(
    meeting_id: int, db: DatabaseDep, hub: HubDep, clock: ClockDep, *, forward: bool
) -> dict[str, Any]:
    meeting = await _meeting(db, meeting_id)
    target = next_activity(meeting) if forward else previous_activity(meeting)
    if target is None:
        raise DomainError(
            "no_activity",
            N_("There is no next activity.") if forward else N_("There is no previous activity."),
        )
    event = await db.run(service.open_, meeting_id, target.id, clock.now())
    await hub.publish([event])
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.post("/meetings/{code}/current", response_model=schemas.MeetingOut, responses=host_responses)
async def set_current(
    body: schemas.Current, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """Show an activity without opening it, or (null) the waiting screen on every phone."""
    event = await db.run(service.show, meeting_id, body.activity_id)
    await hub.publish([event])
    return _meeting_out(await _meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/activities/{activity_id}/visibility",
    response_model=schemas.ActivityOut,
    responses=host_responses,
)
async def set_visibility(
    activity_id: ActivityIdPath,
    body: schemas.Visibility,
    meeting_id: CurrentHost,
    db: DatabaseDep,
    hub: HubDep,
) -> schemas.ActivityOut:
    """Show or hide results, on the big screen and on the phones separately."""
    event = await db.run(
        lambda s: service.set_visibility(
            s, meeting_id, activity_id, presenter=body.presenter, phones=body.phones
        )
    )
    await hub.publish([event])
    return _activity_out((await _meeting(db, meeting_id)).activity(activity_id))


@router.post(
    "/meetings/{code}/activities/{activity_id}/reset",
    response_model=schemas.ActivityOut,
    responses=conflict('`confirmation_required`: `{"confirm": false}`'),
)
async def reset(
    activity_id: ActivityIdPath,
    body: schemas.ResetBody,
    meeting_id: CurrentHost,
    db: DatabaseDep,
    hub: HubDep,
) -> schemas.ActivityOut:
    """Delete every answer of the activity. Needs {"confirm": true}."""
    if not body.confirm:
        raise DomainError("confirmation_required", 'A reset deletes every answer; send {"confirm": true}.')
    # A batch of answers committed after the reset must reach the room after the reset does.
    async with hub.answer_writes:
        events = await db.run(service.reset_results, meeting_id, activity_id)
        await hub.publish(events)
    return _activity_out((await _meeting(db, meeting_id)).activity(activity_id))


@router.post(
    "/meetings/{code}/activities/{activity_id}/moderation",
    response_model=schemas.ActivityOut,
    responses=host_responses,
)
async def moderate(
    activity_id: ActivityIdPath,
    body: schemas.ModerationBody,
    meeting_id: CurrentModerator,
    db: DatabaseDep,
    hub: HubDep,
) -> schemas.ActivityOut:
    """Highlight or hide an answer; hide, merge or unmerge words; switch the profanity filter."""
    event = await db.run(
        lambda s: service.moderate(
            s,
            meeting_id,
            activity_id,
            body.action,
            entry_id=body.entry_id,
            key=body.key,
            into=body.into,
            on=body.on,
        )
    )
    await hub.publish([event])
    return _activity_out((await _meeting(db, meeting_id)).activity(activity_id))


@router.get(
    "/meetings/{code}/activities/{activity_id}/results",
    response_model=schemas.Results,
    responses=host_responses,
)
async def results(activity_id: ActivityIdPath, meeting_id: CurrentHost, hub: HubDep) -> dict[str, Any]:
    """The live results of an activity as the host sees them (hidden items flagged)."""
    room = await hub.room(meeting_id)
    if room is None:
        raise DomainError("unknown_code", "There is no meeting with this code.")
    activity = room.meeting.activity(activity_id)
    tally = room.tallies[activity_id]
    return {
        "activity": _activity_out(activity),
        "responses": tally.responses(),
        "respondents": tally.respondents(),
        "results": room.results(activity, "host"),
    }


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
    return hub.join_url((await _meeting(db, auth.meeting_id)).code, auth.join_secret)


async def lookup_code(code: str, hub: Hub) -> tuple[str, int | None]:
    """The normalised code and its meeting's id (None if there is none); nothing is counted."""
    clean = normalise_code(code)
    return clean, await hub.meeting_id_for_code(clean) if is_valid_code(clean) else None


async def joinable(code: str, request: Request, secret: str | None = None) -> tuple[str, int]:
    """The normalised code and meeting id for a join. A typed code is fine while the client is not
    blocked (unknown codes count against it: 429 after too many, so codes cannot be enumerated);
    a blocked client still gets in with the QR link's join secret or its participant cookie (a
    whole room behind one address is not locked out by a guesser among it)."""
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
    return (await _meeting(db, meeting_id)).public()


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
    out, new_token = await admit(db, hub, joins, clean, wanted)
    if new_token is not None:
        set_participant_cookie(response, clean, new_token, settings)
    return out


async def admit(
    db: Database, hub: Hub, joins: JoinBatcher, clean: str, request: participant_service.JoinRequest
) -> tuple[dict[str, Any], str | None]:
    """Join through the batcher and tell the live room: the join's body (schemas.JoinOut) and the
    new participant token, if one was made. Shared by the route and ``JoinFastPath``."""
    joined = await joins.submit(request)
    if joined.door_closed:
        raise DomainError(
            "joins_closed", "The host has closed the door: this meeting takes no new participants now."
        )
    room = hub.rooms.get(request.meeting_id)
    if room is not None:
        room.nicknames[joined.participant_id] = joined.nickname
        # The phone's websocket follows within a second: it finds its participant here.
        room.remember_token(joined.token or request.token or "", joined.participant_id)
    # The live room knows the meeting already: a join storm does not reload it once per phone.
    meeting = room.meeting if room is not None else await _meeting(db, request.meeting_id)
    ws_base = hub.public_base.replace("http", "ws", 1)
    out = {**meeting.public(), "nickname": joined.nickname, "websocket": f"{ws_base}/ws/{clean}"}
    return out, joined.token


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
            out, new_token = await admit(state.db, hub, state.joins, clean, request)
        except DomainError as exc:
            response: Response = error_response(exc, headers.get("accept-language"))
        else:
            response = JSONResponse(out)
            if new_token is not None:
                set_participant_cookie(response, clean, new_token, state.settings)
        await response(scope, _no_body, send)
        return True


async def _no_body() -> Message:
    return {"type": "http.disconnect"}

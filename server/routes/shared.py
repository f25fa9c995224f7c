"""What the API's route modules share: the router's defaults, the documented error responses,
the participant cookie's name and the JSON forms of a meeting, an activity and a block."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from server.db.database import Database
from server.deps import DatabaseDep, HubDep
from server.domain.agenda import BlockInfo
from server.domain.errors import Code, DomainError
from server.domain.meeting import ActivityInfo, MeetingInfo
from server.gate import client_address, join_guard
from server.guards import RateLimiter
from server.routes import schemas
from server.services import accounts
from server.services import meetings as service

_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorOut, "description": "Refused by a rule of the meeting (see the code)"},
    422: {"model": schemas.ErrorOut, "description": "`invalid_request`: does not match the schema"},
}


def api_router() -> APIRouter:
    """A router under /api with the two refusals every API route may answer."""
    return APIRouter(prefix="/api", responses=_REFUSALS)


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


def activity_out(activity: ActivityInfo) -> schemas.ActivityOut:
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
        series_link=activity.series_link,
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


def meeting_out(meeting: MeetingInfo, hub: HubDep) -> schemas.MeetingOut:
    base = hub.public_base
    room = hub.rooms.get(meeting.id)
    return schemas.MeetingOut(
        code=meeting.code,
        title=meeting.title,
        theme=meeting.theme,
        language=meeting.language,
        join_url=hub.join_url(meeting.code, meeting.join_secret),
        qr_svg_url=f"{base}/api/meetings/{meeting.code}/qr.svg",
        qr_png_url=f"{base}/api/meetings/{meeting.code}/qr.png",
        current_activity_id=meeting.current_activity_id,
        participants_online=room.participants if room else 0,
        activities=[activity_out(a) for a in meeting.activities],
        blocks=[block_out(b) for b in meeting.agenda.ordered],
        description=meeting.description,
        preparation=meeting.preparation,
        show_schedule=meeting.show_schedule,
    )


async def load_meeting(db: DatabaseDep, meeting_id: int) -> MeetingInfo:
    meeting = await db.run(service.load_meeting, meeting_id)
    if meeting is None:
        raise DomainError(Code.UNKNOWN_CODE, "There is no meeting with this code.")
    return meeting


async def may_create_anonymously(request: Request, db: Database) -> None:
    """Refuses an anonymous create or import: `login_required` once accounts exist, else 429
    `too_many_meetings` past the per-address allowance (KRING_CREATE_BURST, _PER_HOUR)."""
    if await db.run(accounts.accounts_exist):
        raise DomainError(Code.LOGIN_REQUIRED, "Log in as a facilitator to create meetings on this instance.")
    limiter: RateLimiter = request.app.state.create_limiter
    if not limiter.allow(join_guard(request).key_of(client_address(request))):
        raise DomainError(
            Code.TOO_MANY_MEETINGS, "Too many new meetings from this address; wait a while, or log in."
        )

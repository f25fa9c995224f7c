"""The roles' routes: the host makes and revokes the keys of a co-facilitator, a timekeeper and a
moderator; the timekeeper reads the agenda's clock and sends the remote "nog 5 minuten"."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from server import qr
from server.deps import ClockDep, CurrentLead, CurrentTimekeeper, DatabaseDep, HubDep
from server.domain.agenda import agenda_view
from server.i18n import say
from server.realtime.bus import SignalMsg
from server.realtime.hub import Hub
from server.realtime.messages import SignalOut, dump
from server.realtime.room import Room
from server.routes import schemas
from server.routes.shared import host_responses, load_meeting
from server.services import roles as role_service
from server.services.events import StructureChanged

# 400 invalid_json (a body that is not JSON) and 422 invalid_request, as on every API router.
router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)

RolePath = Annotated[
    Literal["cohost", "timekeeper", "moderator"],
    Path(description="The role: `cohost`, `timekeeper` or `moderator`"),
]
# What the timekeeper sees of a block: its place in time, none of the facilitator's notes.
CLOCK_FIELDS = (
    "id",
    "position",
    "title",
    "duration_minutes",
    "start_time",
    "essential",
    "is_break",
    "status",
    "planned_offset_minutes",
    "elapsed_seconds",
)


class RoleKeyOut(BaseModel):
    role: str
    key: str = Field(description="The role's key; shown once (only its hash is stored)")
    url: str = Field(description="The link that opens the role's page with the key in its fragment")
    qr_svg: str = Field(description="The link as a QR code (SVG), to scan from the remote")


class SignalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int = Field(default=5, ge=1, le=60, description="How many minutes are left (nog N minuten)")


@router.get("/meetings/{code}/roles", responses=host_responses)
async def list_roles(meeting_id: CurrentLead, db: DatabaseDep) -> dict[str, dict[str, bool]]:
    """Which roles have a key now (the keys themselves are never shown again)."""
    return {"roles": await db.run(role_service.active_roles, meeting_id)}


@router.post("/meetings/{code}/roles/{role}", response_model=RoleKeyOut, responses=host_responses)
async def make_role_key(
    role: RolePath, meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """A new key for the role, with its link and QR code. A key the role had stops at once:
    over HTTP, and its open sockets close (4403)."""
    key = await db.run(role_service.make_key, meeting_id, role)
    await hub.publish([StructureChanged(meeting_id)])
    meeting = await load_meeting(db, meeting_id)
    url = f"{hub.public_base}/m/{meeting.code}/{role_service.PAGES[role]}#key={key}"
    return {"role": role, "key": key, "url": url, "qr_svg": qr.svg(url).decode()}


@router.delete(
    "/meetings/{code}/roles/{role}", status_code=status.HTTP_204_NO_CONTENT, responses=host_responses
)
async def revoke_role_key(role: RolePath, meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep) -> Response:
    """Revoke the role's key: it stops at once, over HTTP and on open sockets."""
    await db.run(role_service.revoke_key, meeting_id, role)
    await hub.publish([StructureChanged(meeting_id)])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/meetings/{code}/clock", responses=host_responses)
async def timekeeper_clock(meeting_id: CurrentTimekeeper, db: DatabaseDep, clock: ClockDep) -> dict[str, Any]:
    """The timekeeper's view: the agenda's clock, plan against actual and the advice (as the
    remote has them), without the facilitator's notes or any answer."""
    meeting = await load_meeting(db, meeting_id)
    view = agenda_view(meeting.agenda, clock.now(), host=True, say=lambda text: say(text, meeting.language))
    if view is not None:
        view["blocks"] = [{name: block[name] for name in CLOCK_FIELDS} for block in view["blocks"]]
    return {"title": meeting.title, "language": meeting.language, "agenda": view}


@router.post("/meetings/{code}/signal", status_code=status.HTTP_202_ACCEPTED, responses=host_responses)
async def send_signal(
    meeting_id: CurrentTimekeeper,
    hub: HubDep,
    clock: ClockDep,
    body: Annotated[SignalIn | None, Body()] = None,
) -> dict[str, Any]:
    """ "Nog 5 minuten": a `signal` message to every remote of the meeting (on every worker)."""
    minutes = (body or SignalIn()).minutes
    at = clock.now().isoformat()
    room = await hub.room(meeting_id)
    if room is not None:
        deliver_signal(room, minutes, at)
    hub.send(SignalMsg(m=meeting_id, n=minutes, at=at))
    return {"minutes": minutes, "at": at}


def deliver_signal(room: Room, minutes: int, at: str) -> None:
    frame = dump(SignalOut(minutes=minutes, at=at))
    for connection in list(room.screens):
        if connection.role == "host":
            connection.push(frame)


async def _remote_signal(room: Room, message: SignalMsg) -> None:
    deliver_signal(room, message.n, message.at)


def attach(hub: Hub) -> None:
    """Signals sent on another worker reach this worker's remotes."""
    hub.remote_handlers["signal"] = _remote_signal

"""The door over HTTP: the remote closes and opens it, and reads joins per minute."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from server.db.tables import utcnow
from server.deps import CurrentHost, DatabaseDep
from server.routes import schemas
from server.routes.shared import host_responses
from server.services import door as door_service

# A body that is not JSON is a 400 (invalid_json), as on every other router.
router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)


class DoorBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    closed: bool = Field(description="true: no new participants (joined ones stay); false: open")


class DoorOut(BaseModel):
    closed: bool
    joins_last_minute: int = Field(description="New participants in the last 60 seconds")
    participants: int = Field(description="Everyone who ever joined this meeting")


def _out(found: door_service.Door) -> dict[str, Any]:
    return {
        "closed": found.closed,
        "joins_last_minute": found.joins_last_minute,
        "participants": found.participants,
    }


@router.get("/meetings/{code}/door", response_model=DoorOut, responses=host_responses)
async def get_door(meeting_id: CurrentHost, db: DatabaseDep) -> dict[str, Any]:
    """Whether the door is closed, and how many joined in the last minute."""
    return _out(await db.run(door_service.door, meeting_id, utcnow()))


@router.put("/meetings/{code}/door", response_model=DoorOut, responses=host_responses)
async def set_door(body: DoorBody, meeting_id: CurrentHost, db: DatabaseDep) -> dict[str, Any]:
    """Close the door ("deur dicht": new joins get 403 `joins_closed`, joined phones carry on,
    rejoining with their cookie) or open it again. Kept in the database: a restart keeps it."""
    return _out(await db.run(door_service.set_closed, meeting_id, body.closed, utcnow()))

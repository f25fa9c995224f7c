"""Actions carried forward, on the phone: the action cards of the series' previous meeting that
the participant (with a network pass) wrote, and their follow-up: done, partly, not yet, a note."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from server.deps import CodePath, DatabaseDep, HubDep
from server.routes import schemas
from server.routes.privacy import phone_participant
from server.services import followup
from server.services.followup import Carried, Status

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)
phone_responses: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.ErrorOut, "description": "`not_joined`, or `unknown_action`: not one of yours"},
}


class CarriedOut(BaseModel):
    id: int = Field(description="The card (an answer of the previous meeting)")
    prompt: str
    insight: str
    action: str
    status: Status | None = Field(description="`done`, `partly`, `not_yet`, or null: not said yet")
    note: str


class CarriedListOut(BaseModel):
    previous: str | None = Field(description="The previous meeting's title; null: no previous meeting")
    actions: list[CarriedOut]
    note_max: int = Field(description="The longest follow-up note kept, in characters")


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    note: str = Field(default="", max_length=2000, description="A short follow-up, at most 280 characters")


def _out(card: Carried) -> dict[str, Any]:
    return {
        "id": card.answer_id,
        "prompt": card.prompt,
        "insight": card.insight,
        "action": card.action,
        "status": card.status,
        "note": card.note,
    }


@router.get("/join/{code}/actions", response_model=CarriedListOut, responses=phone_responses)
async def my_actions(code: CodePath, request: Request, db: DatabaseDep, hub: HubDep) -> dict[str, Any]:
    """The phone's own action cards from the series' previous meeting, with what it said of them."""
    _, meeting_id, participant_id = await phone_participant(code, request, db, hub)

    def read(session: Any) -> tuple[str | None, list[Carried]]:
        previous = followup.previous_meeting(session, meeting_id)
        return (previous.title if previous else None), followup.carried(session, meeting_id, participant_id)

    previous, cards = await db.run(read)
    return {
        "previous": previous,
        "actions": [_out(c) for c in cards],
        "note_max": followup.NOTE_MAX,
    }


@router.put("/join/{code}/actions/{answer_id}", response_model=CarriedOut, responses=phone_responses)
async def follow_up(
    code: CodePath,
    answer_id: Annotated[int, Path(ge=1, description="The card's id (from GET …/actions)")],
    body: FollowUpIn,
    request: Request,
    db: DatabaseDep,
    hub: HubDep,
) -> dict[str, Any]:
    """Say what became of one of your actions: done, partly or not yet, and a short note."""
    _, meeting_id, participant_id = await phone_participant(code, request, db, hub)
    card = await db.run(followup.follow_up, meeting_id, participant_id, answer_id, body.status, body.note)
    return _out(card)

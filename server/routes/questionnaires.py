"""HTTP routes for self-paced questionnaires (vragenlijst): the host opens and closes one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from server.deps import ClockDep, CurrentHost, DatabaseDep, HubDep
from server.domain.pace import MAX_STEPS, MIN_STEPS
from server.routes import schemas
from server.routes.shared import host_responses
from server.services import questionnaires as service

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class OpenQuestionnaire(BaseModel):
    model_config = ConfigDict(extra="forbid")
    activity_ids: list[Id] | None = Field(
        default=None,
        min_length=MIN_STEPS,
        max_length=MAX_STEPS,
        json_schema_extra={"uniqueItems": True},
        description="The steps, in the order phones go through them",
    )
    block_id: Id | None = Field(
        default=None, description="Or: the agenda block whose activities are the steps"
    )


class QuestionnaireOut(BaseModel):
    id: int
    steps: list[int] = Field(description="The activities, in order")
    started: int = Field(description="Phones that opened it")
    completed: int = Field(description="Phones that reached the end")
    done: list[int] = Field(description="Per step: the phones that went past it")
    opened_at: datetime
    closed_at: datetime | None


class QuestionnairesOut(BaseModel):
    questionnaires: list[QuestionnaireOut]


def _runs(session: Session, meeting_id: int) -> dict[str, Any]:
    return {"questionnaires": service.completions(session, meeting_id)}


@router.post(
    "/meetings/{code}/questionnaire",
    response_model=QuestionnairesOut,
    responses={**host_responses, 409: {"model": schemas.ErrorOut}},
)
async def open_questionnaire(
    body: OpenQuestionnaire, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> dict[str, Any]:
    """Open activities (or an agenda block's) as one self-paced questionnaire: every step opens,
    any other open activity closes, and each phone goes through the steps at its own pace."""
    event = await db.run(
        service.open_questionnaire, meeting_id, body.activity_ids, body.block_id, clock.now()
    )
    await hub.publish([event])
    return await db.run(_runs, meeting_id)


@router.post(
    "/meetings/{code}/questionnaire/close",
    response_model=QuestionnairesOut,
    responses={**host_responses, 409: {"model": schemas.ErrorOut}},
)
async def close_questionnaire(meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep) -> dict[str, Any]:
    """Close the open questionnaire: its steps take no more answers, phones follow the screen again."""
    event = await db.run(service.close_questionnaire, meeting_id)
    await hub.publish([event])
    return await db.run(_runs, meeting_id)


@router.get("/meetings/{code}/questionnaires", response_model=QuestionnairesOut, responses=host_responses)
async def list_questionnaires(meeting_id: CurrentHost, db: DatabaseDep) -> dict[str, Any]:
    """Every questionnaire the meeting ran, with its completion counts per step."""
    return await db.run(_runs, meeting_id)

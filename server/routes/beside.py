"""HTTP routes for what runs beside the activities: the host's Q&A and reaction controls."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session
from starlette.requests import HTTPConnection

from server.deps import CurrentHost, CurrentModerator, DatabaseDep
from server.domain.qa import Action
from server.domain.reactions import MAX_SET, REACTIONS, reaction_set
from server.realtime.beside_hub import BesideHub
from server.routes import schemas
from server.routes.shared import host_responses
from server.services import qa as qa_service
from server.services import reactions as reaction_service

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)
ReactionName = Literal[
    "thumbs_up", "heart", "laugh", "wow", "clap", "question", "idea", "star", "check", "thinking"
]
QuestionIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The question's id")]


async def get_beside(conn: HTTPConnection) -> BesideHub:
    beside: BesideHub = conn.app.state.beside
    return beside


BesideDep = Annotated[BesideHub, Depends(get_beside)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QaSettings(_Body):
    open: bool | None = Field(default=None, description="Q&A open for questions and votes")
    premoderate: bool | None = Field(default=None, description="Questions appear only once approved")


class ReactionSettings(_Body):
    on: bool | None = Field(default=None, description="Reactions switched on")
    # The names and "each once" are in the schema, so a request the schema allows is never refused.
    set: list[ReactionName] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SET,
        json_schema_extra={"uniqueItems": True},
        description="The reactions offered, in order (each once)",
    )


class QuestionAction(_Body):
    action: Action


class BesideOut(BaseModel):
    qa: dict[str, Any] = Field(description="open, premoderate, highlighted and every question")
    reactions: dict[str, Any] = Field(description="on, set, available and the counts per activity")


def _view(session: Session, meeting_id: int) -> dict[str, Any]:
    beside = qa_service.load_beside(session, meeting_id)
    counts = reaction_service.counts_by_activity(session, meeting_id)
    return {
        "qa": beside.board.host_view(),
        "reactions": {
            "on": beside.reactions_on,
            "set": beside.reaction_set,
            "available": list(REACTIONS),
            "counts": [{"activity_id": a, "counts": c} for a, c in counts.items()],
        },
    }


@router.get("/meetings/{code}/beside", response_model=BesideOut, responses=host_responses)
async def get_beside_view(meeting_id: CurrentHost, db: DatabaseDep) -> dict[str, Any]:
    """The Q&A with every question (status, votes) and the reactions' settings and counts."""
    return await db.run(_view, meeting_id)


@router.patch("/meetings/{code}/qa", response_model=BesideOut, responses=host_responses)
async def set_qa(
    body: QaSettings, meeting_id: CurrentHost, db: DatabaseDep, beside: BesideDep
) -> dict[str, Any]:
    """Open or close the Q&A; switch pre-moderation on or off."""
    await beside.set_qa(meeting_id, open_=body.open, premoderate=body.premoderate)
    return await db.run(_view, meeting_id)


@router.post(
    "/meetings/{code}/qa/questions/{question_id}", response_model=BesideOut, responses=host_responses
)
async def moderate_question(
    question_id: QuestionIdPath,
    body: QuestionAction,
    meeting_id: CurrentModerator,
    db: DatabaseDep,
    beside: BesideDep,
) -> dict[str, Any]:
    """Approve, hide, show, mark answered (or not), highlight (or not) a question."""
    await beside.moderate(meeting_id, question_id, body.action)
    return await db.run(_view, meeting_id)


@router.patch("/meetings/{code}/reactions", response_model=BesideOut, responses=host_responses)
async def set_reactions(
    body: ReactionSettings, meeting_id: CurrentHost, db: DatabaseDep, beside: BesideDep
) -> dict[str, Any]:
    """Switch reactions on or off; choose the meeting's own set."""
    names = reaction_set(body.set) if body.set is not None else None
    await beside.set_reactions(meeting_id, on=body.on, names=names)
    return await db.run(_view, meeting_id)

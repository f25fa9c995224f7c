"""HTTP routes for the draaiboek: agenda blocks, moving through them, and templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from sqlmodel import Session

from server.deps import ClockDep, CurrentHost, DatabaseDep, HubDep, TemplateParserDep, current_account
from server.domain.agenda import agenda_view
from server.domain.errors import Code, DomainError
from server.draaiboek import to_yaml
from server.i18n import asked_language, say
from server.routes import schemas
from server.routes.shared import block_out, conflict, host_responses, load_meeting, meeting_out
from server.services import accounts
from server.services import agenda as agenda_service
from server.services import templates as template_service
from server.services.accounts import Account
from server.services.events import StructureChanged

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)
BlockIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The agenda block's id")]


@router.get("/meetings/{code}/agenda", response_model=schemas.AgendaOut, responses=host_responses)
async def get_agenda(meeting_id: CurrentHost, db: DatabaseDep, clock: ClockDep) -> dict[str, Any]:
    """The agenda with its live timing: the current block, plan versus actual, and advice."""
    meeting = await load_meeting(db, meeting_id)
    view = agenda_view(meeting.agenda, clock.now(), host=True, say=lambda text: say(text, meeting.language))
    return {"agenda": view}


@router.post(
    "/meetings/{code}/blocks",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.BlockOut,
    responses=host_responses,
)
async def add_block(
    body: schemas.BlockCreate, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.BlockOut:
    """Add an agenda block (at the end, or at `position`)."""
    fields = body.model_dump(exclude={"title", "duration_minutes", "position"})
    block, event = await db.run(
        lambda s: agenda_service.add_block(
            s,
            meeting_id,
            title=body.title,
            duration_minutes=body.duration_minutes,
            position=body.position,
            **fields,
        )
    )
    await hub.publish([event])
    return block_out(block)


@router.patch("/meetings/{code}/blocks/{block_id}", response_model=schemas.BlockOut, responses=host_responses)
async def update_block(
    block_id: BlockIdPath, body: schemas.BlockUpdate, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.BlockOut:
    """Change a block; fields left out stay as they are (`start_time: null` clears the time)."""
    fields = body.model_dump(exclude_unset=True)
    block, event = await db.run(lambda s: agenda_service.update_block(s, meeting_id, block_id, **fields))
    await hub.publish([event])
    return block_out(block)


@router.delete(
    "/meetings/{code}/blocks/{block_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=host_responses,
)
async def delete_block(
    block_id: BlockIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> Response:
    """Delete a block; its activities stay, outside any block."""
    event = await db.run(agenda_service.delete_block, meeting_id, block_id)
    await hub.publish([event])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/meetings/{code}/blocks", response_model=schemas.MeetingOut, responses=host_responses)
async def reorder_blocks(
    body: schemas.BlockOrder, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.MeetingOut:
    """Reorder the blocks; their activities follow them."""
    event = await db.run(agenda_service.reorder_blocks, meeting_id, body.order)
    await hub.publish([event])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/blocks/{block_id}/enter",
    response_model=schemas.MeetingOut,
    responses=host_responses,
)
async def enter_block(
    block_id: BlockIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """Move the agenda to this block and start its clock; its first activity is put on screen,
    ready to open."""
    now = clock.now()
    return await _move(
        meeting_id, db, hub, lambda s: agenda_service.enter_block(s, meeting_id, block_id, now)
    )


@router.post(
    "/meetings/{code}/agenda/next",
    response_model=schemas.MeetingOut,
    responses=conflict("`no_agenda`: the meeting has no blocks"),
)
async def next_block(
    meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """Enter the next block (the first, before the agenda starts); after the last block the
    agenda ends."""
    now = clock.now()
    return await _move(meeting_id, db, hub, lambda s: agenda_service.step(s, meeting_id, now, forward=True))


@router.post(
    "/meetings/{code}/agenda/previous",
    response_model=schemas.MeetingOut,
    responses=conflict("`no_block`: there is no previous block"),
)
async def previous_block(
    meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """Go back to the block before the current one; its clock runs on from where it was."""
    now = clock.now()
    return await _move(meeting_id, db, hub, lambda s: agenda_service.step(s, meeting_id, now, forward=False))


@router.post(
    "/meetings/{code}/agenda/end",
    response_model=schemas.MeetingOut,
    responses=conflict("`agenda_not_started`: no block was entered yet"),
)
async def end_agenda(
    meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """End the agenda: the clock stops, the actual end time is kept for the wrap-up."""
    now = clock.now()
    await db.run(agenda_service.end_agenda, meeting_id, now)
    await hub.publish([StructureChanged(meeting_id)])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.post("/meetings/{code}/agenda/restart", response_model=schemas.MeetingOut, responses=host_responses)
async def restart_agenda(meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep) -> schemas.MeetingOut:
    """Forget the actual times (after a rehearsal): the agenda is back to its plan."""
    await db.run(agenda_service.restart_agenda, meeting_id)
    await hub.publish([StructureChanged(meeting_id)])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.get("/templates", response_model=list[schemas.TemplateOut])
async def list_templates() -> list[dict[str, Any]]:
    """The built-in draaiboek templates a meeting can be created from (`POST /api/meetings`)."""
    return template_service.summaries()


@router.post(
    "/templates/check",
    response_model=schemas.TemplateVerdict,
    responses={401: {"model": schemas.ErrorOut, "description": "`login_required` once accounts exist"}},
)
async def check_template(
    request: Request,
    body: schemas.TemplateCheck,
    account: Annotated[Account | None, Depends(current_account)],
    db: DatabaseDep,
    parser: TemplateParserDep,
) -> dict[str, Any]:
    """Check your own template (YAML text) before creating a meeting from it. The check itself
    succeeds either way: the verdict holds the template's summary, or its first problem with the line.
    Who may create meetings may check."""
    if account is None and await db.run(accounts.accounts_exist):
        raise DomainError(Code.LOGIN_REQUIRED, "Log in as a facilitator to check templates on this instance.")
    try:
        template = await template_service.read_own(parser, body.yaml, body.file)
    except DomainError as exc:
        message = say(exc.message, asked_language(request.headers.get("accept-language")))
        problem = {"code": exc.code, "message": message, "line": exc.params.get("line")}
        return {"valid": False, "template": None, "error": problem}
    return {"valid": True, "template": template_service.summary(template), "error": None}


@router.get(
    "/templates/{name}.yaml",
    response_class=Response,
    responses={
        200: {"content": {"application/yaml": {}}, "description": "The YAML file"},
        404: {"model": schemas.ErrorOut},
    },
)
async def template_yaml(name: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")]) -> Response:
    """A built-in template as its YAML file, to copy and adapt."""
    return Response(to_yaml(template_service.builtin(name)), media_type="application/yaml; charset=utf-8")


@router.get(
    "/meetings/{code}/template.yaml",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}, "description": "The YAML file"}, **host_responses},
)
async def meeting_template(meeting_id: CurrentHost, db: DatabaseDep) -> Response:
    """This meeting as a reusable template: agenda, activities and settings, no answers; its theme
    becomes the placeholder {{thema}}."""
    template = await db.run(template_service.template_of, meeting_id)
    return Response(
        to_yaml(template),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{template.name}.yaml"'},
    )


async def _move(
    meeting_id: int, db: DatabaseDep, hub: HubDep, move: Callable[[Session], int | None]
) -> schemas.MeetingOut:
    """Move the agenda (the service puts the new block's activity on screen), tell the rooms, and
    answer with the meeting."""
    await db.run(move)
    await hub.publish([StructureChanged(meeting_id)])
    return meeting_out(await load_meeting(db, meeting_id), hub)

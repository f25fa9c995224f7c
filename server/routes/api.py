"""The HTTP API of a meeting's make-up: facilitators create, change and delete meetings and
their activities (host key). Running a meeting is in routes/live.py, joining in routes/join.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response, status

from server.deps import (
    ActivityIdPath,
    CurrentHost,
    CurrentLead,
    DatabaseDep,
    HubDep,
    TemplateParserDep,
    current_account,
)
from server.domain.errors import Code, DomainError
from server.routes import schemas
from server.routes.shared import (
    activity_out,
    api_router,
    conflict,
    host_responses,
    load_meeting,
    may_create_anonymously,
    meeting_out,
)
from server.services import accounts
from server.services import demo as demo_service
from server.services import meetings as service
from server.services import templates as template_service
from server.services.accounts import Account
from server.services.events import MeetingDeleted
from server.text import N_

router = api_router()


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
            Code.INVALID_TEMPLATE,
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
        raise DomainError(Code.MISSING_TITLE, "A meeting needs a title (or a template that gives one).")
    elif body.demo:
        created = await db.run(demo_service.create_demo, body.theme, body.language, body.title)
    else:
        created = await db.run(service.create_meeting, body.title, body.theme, body.language)
    if account is not None:
        await db.run(accounts.set_owner, created.meeting.id, account.id)
    code = created.meeting.code
    return {
        **meeting_out(created.meeting, hub).model_dump(),
        "host_key": created.host_key,
        "presenter_key": created.presenter_key,
        "host_url": f"{hub.public_base}/m/{code}/remote#key={created.host_key}",
        "presenter_url": f"{hub.public_base}/m/{code}/present#key={created.presenter_key}",
    }


@router.get("/meetings/{code}", response_model=schemas.MeetingOut, responses=host_responses)
async def get_meeting(meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep) -> schemas.MeetingOut:
    """The meeting with its activities (host only)."""
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.patch("/meetings/{code}", response_model=schemas.MeetingOut, responses=host_responses)
async def update_meeting(
    body: schemas.MeetingUpdate, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.MeetingOut:
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
    return meeting_out(await load_meeting(db, meeting_id), hub)


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
    return activity_out(activity)


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
    return activity_out(activity)


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

"""The HTTP API that runs a meeting (host key): order, open, close and step through the
activities, show one, show or hide results, reset, moderate, and read the live results."""

from __future__ import annotations

from typing import Any

from server.deps import ActivityIdPath, ClockDep, CurrentHost, CurrentModerator, DatabaseDep, HubDep
from server.domain.errors import Code, DomainError
from server.domain.meeting import next_activity, previous_activity
from server.routes import schemas
from server.routes.shared import activity_out, api_router, conflict, host_responses, load_meeting, meeting_out
from server.services import meetings as service
from server.text import N_

router = api_router()


@router.put("/meetings/{code}/order", response_model=schemas.MeetingOut, responses=host_responses)
async def reorder(
    body: schemas.Order, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.MeetingOut:
    """Reorder the activities."""
    event = await db.run(service.reorder_activities, meeting_id, body.order)
    await hub.publish([event])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/activities/{activity_id}/open",
    response_model=schemas.MeetingOut,
    responses=host_responses,
)
async def open_activity(
    activity_id: ActivityIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """Open an activity: every phone switches to it; any other open activity closes. An activity
    of another agenda block moves the agenda to that block."""
    event = await db.run(service.open_, meeting_id, activity_id, clock.now())
    await hub.publish([event])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/activities/{activity_id}/close",
    response_model=schemas.MeetingOut,
    responses=host_responses,
)
async def close_activity(
    activity_id: ActivityIdPath, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.MeetingOut:
    """Close an activity: answers stop; a late answer gets a 'closed' error."""
    event = await db.run(service.close, meeting_id, activity_id)
    await hub.publish([event])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.post(
    "/meetings/{code}/next",
    response_model=schemas.MeetingOut,
    responses=conflict("`no_activity`: there is no next activity"),
)
async def open_next(
    meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """Open the activity after the current one (the first when none is current)."""
    return await _step(meeting_id, db, hub, clock, forward=True)


@router.post(
    "/meetings/{code}/previous",
    response_model=schemas.MeetingOut,
    responses=conflict("`no_activity`: there is no previous activity"),
)
async def open_previous(
    meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep, clock: ClockDep
) -> schemas.MeetingOut:
    """Open the activity before the current one."""
    return await _step(meeting_id, db, hub, clock, forward=False)


async def _step(
    meeting_id: int, db: DatabaseDep, hub: HubDep, clock: ClockDep, *, forward: bool
) -> schemas.MeetingOut:
    meeting = await load_meeting(db, meeting_id)
    target = next_activity(meeting) if forward else previous_activity(meeting)
    if target is None:
        raise DomainError(
            Code.NO_ACTIVITY,
            N_("There is no next activity.") if forward else N_("There is no previous activity."),
        )
    event = await db.run(service.open_, meeting_id, target.id, clock.now())
    await hub.publish([event])
    return meeting_out(await load_meeting(db, meeting_id), hub)


@router.post("/meetings/{code}/current", response_model=schemas.MeetingOut, responses=host_responses)
async def set_current(
    body: schemas.Current, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> schemas.MeetingOut:
    """Show an activity without opening it, or (null) the waiting screen on every phone."""
    event = await db.run(service.show, meeting_id, body.activity_id)
    await hub.publish([event])
    return meeting_out(await load_meeting(db, meeting_id), hub)


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
    return activity_out((await load_meeting(db, meeting_id)).activity(activity_id))


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
        raise DomainError(Code.CONFIRMATION_REQUIRED, 'A reset deletes every answer; send {"confirm": true}.')
    # A batch of answers committed after the reset must reach the room after the reset does.
    async with hub.answer_writes:
        events = await db.run(service.reset_results, meeting_id, activity_id)
        await hub.publish(events)
    return activity_out((await load_meeting(db, meeting_id)).activity(activity_id))


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
    return activity_out((await load_meeting(db, meeting_id)).activity(activity_id))


@router.get(
    "/meetings/{code}/activities/{activity_id}/results",
    response_model=schemas.Results,
    responses=host_responses,
)
async def results(activity_id: ActivityIdPath, meeting_id: CurrentHost, hub: HubDep) -> dict[str, Any]:
    """The live results of an activity as the host sees them (hidden items flagged)."""
    room = await hub.room(meeting_id)
    if room is None:
        raise DomainError(Code.UNKNOWN_CODE, "There is no meeting with this code.")
    activity = room.meeting.activity(activity_id)
    tally = room.tallies[activity_id]
    return {
        "activity": activity_out(activity),
        "responses": tally.responses(),
        "respondents": tally.respondents(),
        "results": room.results(activity, "host"),
    }

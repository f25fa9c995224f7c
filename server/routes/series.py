"""The HTTP API of a series (a lerend netwerk): make one, add its meetings, link activities across
them, and meeting 1 beside meeting N. Only the series' facilitators: the series key, or the session
of its owner or a co-facilitator; anything else is answered as an unknown series."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request, status

from server.db.database import Database
from server.deps import (
    ActivityIdPath,
    AuthorizationHeader,
    ClockDep,
    CurrentHost,
    CurrentLead,
    CurrentScreen,
    DatabaseDep,
    HubDep,
    TemplateParserDep,
    bearer,
    current_account,
    session_of,
)
from server.domain.errors import Code, DomainError
from server.domain.meeting import normalise_code
from server.draaiboek.loader import VALUE_MAX_LENGTH
from server.gate import client_address, join_guard, too_many_attempts
from server.realtime.hub import Hub
from server.routes import series_schemas as body_of
from server.routes.schemas import ActivityOut, ErrorOut
from server.routes.shared import activity_out, api_router, conflict, host_responses, may_create_anonymously
from server.services import accounts, series_links, trends
from server.services import meetings as meeting_service
from server.services import series as service
from server.services import templates as template_service
from server.services.accounts import Account
from server.services.events import StructureChanged
from server.services.meetings import CreatedMeeting

router = api_router()

SeriesIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The series' number")]
series_responses: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "`csrf`: a session without its CSRF token"},
    404: {
        "model": ErrorOut,
        "description": "`unknown_series`: no such series, or no key or session that opens it",
    },
    429: {"model": ErrorOut, "description": "Too many refused series or keys from this client"},
}


def unknown_series() -> DomainError:
    return DomainError(Code.UNKNOWN_SERIES, "There is no series with this number.")


async def current_series(
    series_id: SeriesIdPath,
    request: Request,
    db: DatabaseDep,
    clock: ClockDep,
    authorization: AuthorizationHeader = None,
) -> tuple[int, Account | None]:
    """The series, when the request carries its key or a session of its facilitators; else as an
    unknown series (404), counted against the client (429 past the limit), as meetings are."""
    key = bearer(authorization)
    account = (
        None if key is not None else await current_account(request, await session_of(request, db, clock))
    )
    if key is not None:
        allowed = await db.run(service.key_opens, series_id, key)
    else:
        allowed = account is not None and await db.run(service.may_lead, series_id, account.id)
    if allowed:
        return series_id, account
    if not join_guard(request).failed(client_address(request)):
        raise too_many_attempts()
    raise unknown_series()


CurrentSeries = Annotated[tuple[int, Account | None], Depends(current_series)]


def series_out(info: service.SeriesInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "theme": info.theme,
        "language": info.language,
        "retention_days": info.retention_days,
        "meetings": [
            {
                "code": m.code,
                "title": m.title,
                "position": m.position,
                "participants": m.participants,
                "pseudonyms": m.pseudonyms,
            }
            for m in info.meetings
        ],
        "pseudonyms": info.pseudonyms,
        "next_template": service.default_template(info.next_position()),
    }


def created_out(created: CreatedMeeting, position: int, hub: Hub) -> dict[str, Any]:
    code = created.meeting.code
    return {
        "code": code,
        "title": created.meeting.title,
        "position": position,
        "host_key": created.host_key,
        "presenter_key": created.presenter_key,
        "host_url": f"{hub.public_base}/m/{code}/remote#key={created.host_key}",
        "presenter_url": f"{hub.public_base}/m/{code}/present#key={created.presenter_key}",
    }


@router.post(
    "/series",
    status_code=status.HTTP_201_CREATED,
    response_model=body_of.SeriesCreated,
    responses={401: {"model": ErrorOut, "description": "`login_required`"}, **series_responses},
)
async def create_series(
    request: Request,
    body: body_of.SeriesCreate,
    account: Annotated[Account | None, Depends(current_account)],
    db: DatabaseDep,
) -> dict[str, Any]:
    """Make a series; the response holds the series key, shown only once. Who may make a meeting
    may make a series (a logged-in facilitator, or anyone on an instance without accounts)."""
    if account is None:
        await may_create_anonymously(request, db)
    created = await db.run(
        lambda s: service.create_series(
            s,
            body.title,
            body.theme,
            body.language,
            owner_id=account.id if account else None,
            retention_days=body.retention_days,
        )
    )
    return {**series_out(created.series), "key": created.key}


@router.get(
    "/series",
    response_model=list[body_of.SeriesOut],
    responses={401: {"model": ErrorOut, "description": "`login_required`: listing needs a session"}},
)
async def list_series(
    account: Annotated[Account | None, Depends(current_account)], db: DatabaseDep
) -> list[Any]:
    """The series the logged-in facilitator runs, newest first."""
    if account is None:
        raise DomainError(Code.LOGIN_REQUIRED, "Log in as a facilitator to list your series.")
    return [series_out(info) for info in await db.run(service.list_for, account.id)]


@router.get("/series/{series_id}", response_model=body_of.SeriesOut, responses=series_responses)
async def get_series(opened: CurrentSeries, db: DatabaseDep) -> dict[str, Any]:
    """The series with its meetings in order: who joined each, and how many with a pass."""
    return series_out(await db.run(service.load, opened[0]))


@router.patch("/series/{series_id}", response_model=body_of.SeriesOut, responses=series_responses)
async def update_series(body: body_of.SeriesUpdate, opened: CurrentSeries, db: DatabaseDep) -> dict[str, Any]:
    """Change the title, theme or retention (the retention applies to every meeting of it)."""
    fields = body.model_fields_set
    info = await db.run(
        lambda s: service.update(
            s,
            opened[0],
            title=body.title,
            theme=body.theme,
            retention_days=body.retention_days if "retention_days" in fields else service.UNSET,
        )
    )
    return series_out(info)


@router.post(
    "/series/{series_id}/meetings",
    status_code=status.HTTP_201_CREATED,
    response_model=body_of.CreatedInSeries,
    responses={**series_responses, 409: {"model": ErrorOut, "description": "`in_another_series`"}},
)
async def add_meeting(
    body: body_of.SeriesMeetingCreate,
    opened: CurrentSeries,
    db: DatabaseDep,
    hub: HubDep,
    parser: TemplateParserDep,
) -> dict[str, Any]:
    """The next meeting of the series, from a template (by default the kick-off first, then the
    follow-up), or a meeting you host (`meeting`: its code; a session that hosts it)."""
    series_id, account = opened
    owner = account.id if account else None
    if body.meeting is not None:
        return await _attach(db, hub, series_id, body.meeting, account)
    if body.template is not None and body.template_yaml is not None:
        raise DomainError(Code.INVALID_TEMPLATE, "Send either template or template_yaml, not both.")
    if body.template_yaml is not None:
        template = await template_service.read_own(parser, body.template_yaml, body.template_file)
    else:
        name = body.template
        if name is None:
            name = service.default_template((await db.run(service.load, series_id)).next_position())
        template = template_service.builtin(name)
    created, position = await db.run(
        lambda s: service.add_meeting(s, series_id, template, body.values, title=body.title, owner_id=owner)
    )
    return created_out(created, position, hub)


async def _attach(
    db: Database, hub: Hub, series_id: int, code: str, account: Account | None
) -> dict[str, Any]:
    """A meeting the facilitator's session hosts joins the series (no new keys are made)."""
    meeting_id = await db.run(meeting_service.meeting_id_for_code, normalise_code(code))
    hosts = (
        account is not None
        and meeting_id is not None
        and await db.run(accounts.may_host, meeting_id, account.id)
    )
    if meeting_id is None or not hosts:
        raise DomainError(Code.UNKNOWN_CODE, "There is no meeting with this code.")
    position = await db.run(lambda s: service.attach_meeting(s, series_id, meeting_id))
    await hub.publish([StructureChanged(meeting_id)])
    info = await db.run(meeting_service.load_meeting, meeting_id)
    assert info is not None
    return {
        "code": info.code,
        "title": info.title,
        "position": position,
        "host_key": "",
        "presenter_key": "",
        "host_url": f"{hub.public_base}/m/{info.code}/remote",
        "presenter_url": f"{hub.public_base}/m/{info.code}/present",
    }


# -- from a meeting's remote ----------------------------------------------------------------------


@router.get("/meetings/{code}/series", response_model=body_of.MeetingSeriesOut, responses=host_responses)
async def meeting_series(meeting_id: CurrentHost, db: DatabaseDep) -> dict[str, Any]:
    """The series this meeting belongs to (its meetings and passes), for the remote's series panel."""
    place = await db.run(service.series_of_meeting, meeting_id)
    if place is None:
        return {"series": None, "position": None, "value_max": VALUE_MAX_LENGTH}
    series = series_out(await db.run(service.load, place[0]))
    return {"series": series, "position": place[1], "value_max": VALUE_MAX_LENGTH}


@router.post(
    "/meetings/{code}/series",
    status_code=status.HTTP_201_CREATED,
    response_model=body_of.SeriesCreated,
    responses=conflict("`in_another_series`: the meeting belongs to a series already"),
)
async def series_from_meeting(
    body: body_of.SeriesFromMeeting, meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """Start a series with this meeting as its first (the host key or a host's session); the
    response holds the series key, shown once."""

    def make(session: Any) -> service.CreatedSeries:
        meeting = meeting_service.load_meeting(session, meeting_id)
        assert meeting is not None
        title = body.title or meeting.title
        owner = service.owner_of_meeting(session, meeting_id)
        made = service.create_series(
            session,
            title,
            meeting.theme,
            meeting.language,
            owner_id=owner,
            retention_days=body.retention_days,
        )
        service.attach_meeting(session, made.series.id, meeting_id)
        return service.CreatedSeries(service.load(session, made.series.id), made.key)

    created = await db.run(make)
    await hub.publish([StructureChanged(meeting_id)])
    return {**series_out(created.series), "key": created.key}


@router.post(
    "/meetings/{code}/series/next",
    status_code=status.HTTP_201_CREATED,
    response_model=body_of.CreatedInSeries,
    responses=conflict("`not_in_series`: the meeting is not part of a series"),
)
async def next_meeting(
    body: body_of.SeriesMeetingCreate, meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep
) -> dict[str, Any]:
    """The next meeting of this meeting's series, from a builtin template (default: followup),
    for the host of a meeting of the series."""
    place = await db.run(service.series_of_meeting, meeting_id)
    if place is None:
        raise DomainError(Code.NOT_IN_SERIES, "This meeting is not part of a series.")
    if body.meeting is not None or body.template_yaml is not None:
        raise DomainError(
            Code.INVALID_TEMPLATE, "From the remote, the next meeting comes from a builtin template."
        )
    owner = await db.run(service.owner_of_meeting, meeting_id)

    def make(session: Any) -> tuple[CreatedMeeting, int]:
        name = body.template or service.default_template(service.load(session, place[0]).next_position())
        template = template_service.builtin(name)
        return service.add_meeting(session, place[0], template, body.values, title=body.title, owner_id=owner)

    created, position = await db.run(make)
    return created_out(created, position, hub)


@router.put(
    "/meetings/{code}/activities/{activity_id}/link",
    response_model=ActivityOut,
    responses=conflict(
        "`not_comparable`: the kind does not compare across meetings; `link_taken`, `link_mismatch`"
    ),
)
async def link_activity(
    activity_id: ActivityIdPath, body: body_of.LinkBody, meeting_id: CurrentHost, db: DatabaseDep, hub: HubDep
) -> ActivityOut:
    """Link the activity to the same activity in the series' other meetings (or unlink it)."""

    def change(session: Any) -> Any:
        series_links.set_link(session, meeting_id, activity_id, body.link)
        meeting = meeting_service.load_meeting(session, meeting_id)
        assert meeting is not None
        return meeting.activity(activity_id)

    activity = await db.run(change)
    await hub.publish([StructureChanged(meeting_id)])
    return activity_out(activity)


@router.get(
    "/meetings/{code}/activities/{activity_id}/compare",
    response_model=body_of.CompareOut,
    responses=host_responses,
)
async def compare(activity_id: ActivityIdPath, auth: CurrentScreen, db: DatabaseDep) -> dict[str, Any]:
    """Meeting 1 beside this meeting for a linked activity (the big screen, the remote, the report):
    aggregates over matched pseudonyms only, each under 3 left out with the reason."""
    meeting = await db.run(meeting_service.load_meeting, auth.meeting_id)
    assert meeting is not None
    meeting.activity(activity_id)
    found = await db.run(trends.before_after, auth.meeting_id, activity_id)
    return {"compare": found.public(meeting.language) if found is not None else None}

"""Privacy: "vergeet mij" — a participant erases themselves, from their own phone (the cookie)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from server.db.database import Database
from server.deps import CodePath, DatabaseDep, HubDep, SettingsDep
from server.domain.errors import Code, DomainError
from server.realtime.hub import Hub
from server.routes import schemas
from server.routes.join import lookup_code
from server.routes.network_pass import pass_cookie
from server.routes.shared import cookie_name
from server.services import erasure
from server.services import participants as participant_service

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)


async def phone_participant(code: str, request: Request, db: Database, hub: Hub) -> tuple[str, int, int]:
    """The normalised code, meeting id and participant behind the phone's cookie, or not_joined."""
    clean, meeting_id = await lookup_code(code, hub)
    token = request.cookies.get(cookie_name(clean))
    found = (
        await db.run(participant_service.participant_for_token, meeting_id, token)
        if token and meeting_id is not None
        else None
    )
    if found is None or meeting_id is None:
        raise DomainError(Code.NOT_JOINED, "This device has not joined this meeting (or was erased already).")
    return clean, meeting_id, found[0]


@router.delete(
    "/join/{code}",
    status_code=status.HTTP_200_OK,
    response_model=schemas.ErasedOut,
    responses={404: {"model": schemas.ErrorOut, "description": "`not_joined`: no participant cookie here"}},
)
async def forget_me(
    code: CodePath, request: Request, response: Response, db: DatabaseDep, hub: HubDep, settings: SettingsDep
) -> dict[str, int | bool]:
    """Vergeet mij: erase this phone's participant (the cookie) with every answer, question and
    vote, and with a network pass its pseudonym in every meeting of the series; the big screens'
    tallies drop them at once. The cookies (the meeting's, the pass's) are cleared."""
    clean, meeting_id, participant_id = await phone_participant(code, request, db, hub)
    room = hub.rooms.get(meeting_id)
    if room is not None:
        room.forget([participant_id])  # its phones close first: nothing of theirs arrives after
    pseudonym = await db.run(erasure.pseudonym_of, participant_id)
    # With a network pass: the pseudonym across the whole series; without: this meeting's participant.
    if pseudonym is not None:
        series_id = await db.run(erasure.series_of_pseudonym, pseudonym)
        erased = await db.run(erasure.erase_pseudonym, pseudonym)
        if series_id is not None:  # the pass's cookie opens nothing now; it goes too
            response.delete_cookie(
                pass_cookie(series_id),
                path="/",
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies(),
            )
    else:
        erased = await db.run(erasure.erase, [participant_id])
    for meeting, participants in erased.participants.items():
        await hub.erased(meeting, participants)
    response.delete_cookie(
        cookie_name(clean), path="/", httponly=True, samesite="lax", secure=settings.secure_cookies()
    )
    return {
        "pass": pseudonym is not None,
        "meetings": len(erased.participants),
        "answers": erased.answers,
        "questions": erased.questions,
        "votes": erased.votes,
    }

"""Privacy: "vergeet mij" — a participant erases themselves, from their own phone (the cookie)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from server.deps import CodePath, DatabaseDep, HubDep, SettingsDep
from server.domain.errors import DomainError
from server.routes import schemas
from server.routes.join import lookup_code
from server.routes.shared import cookie_name
from server.services import erasure
from server.services import participants as participant_service

router = APIRouter(
    prefix="/api", responses={400: {"model": schemas.ErrorOut}, 422: {"model": schemas.ErrorOut}}
)


@router.delete(
    "/join/{code}",
    status_code=status.HTTP_200_OK,
    response_model=schemas.ErasedOut,
    responses={404: {"model": schemas.ErrorOut, "description": "`not_joined`: no participant cookie here"}},
)
async def forget_me(
    code: CodePath, request: Request, response: Response, db: DatabaseDep, hub: HubDep, settings: SettingsDep
) -> dict[str, int]:
    """Vergeet mij: erase this phone's participant (the cookie) with every answer, question and
    vote; the big screen's tallies drop them at once. The cookie is cleared."""
    clean, meeting_id = await lookup_code(code, hub)
    token = request.cookies.get(cookie_name(clean))
    found = (
        await db.run(participant_service.participant_for_token, meeting_id, token)
        if token and meeting_id is not None
        else None
    )
    if found is None or meeting_id is None:
        raise DomainError("not_joined", "This device has not joined this meeting (or was erased already).")
    room = hub.rooms.get(meeting_id)
    if room is not None:
        room.forget([found[0]])  # its phones close first: nothing of theirs arrives after the erasure
    erased = await db.run(erasure.erase, [found[0]])
    for meeting, participants in erased.participants.items():
        await hub.erased(meeting, participants)
    response.delete_cookie(
        cookie_name(clean), path="/", httponly=True, samesite="lax", secure=settings.secure_cookies()
    )
    return {"answers": erased.answers, "questions": erased.questions, "votes": erased.votes}

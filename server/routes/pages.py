"""HTML pages: join, participant (phone), presenter (big screen) and remote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from server.deps import DatabaseDep, HubDep, PagesDep, SessionDep, SettingsDep
from server.domain.meeting import MeetingInfo, is_valid_code, normalise_code
from server.i18n import LANGUAGES, catalog, pick_language
from server.services import meetings as meeting_service

router = APIRouter(include_in_schema=False)

LangQuery = Annotated[str | None, Query(max_length=5)]
AcceptLanguage = Annotated[str | None, Header()]


async def _meeting(code: str, db: DatabaseDep) -> MeetingInfo | None:
    clean = normalise_code(code)
    if not is_valid_code(clean):
        return None
    meeting_id = await db.run(meeting_service.meeting_id_for_code, clean)
    return None if meeting_id is None else await db.run(meeting_service.load_meeting, meeting_id)


@router.get("/", response_class=HTMLResponse)
async def join_page(
    pages: PagesDep,
    settings: SettingsDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
    code: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    language = pick_language(lang, accept_language, settings.default_language)
    if code:
        target = normalise_code(code)
        return RedirectResponse(f"/{target}?lang={language}" if lang else f"/{target}", status_code=303)
    return pages.render("join.html", language, page="join")


@router.get("/new", response_class=HTMLResponse)
async def new_meeting_page(
    pages: PagesDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """A new meeting from a draaiboek template (the API decides who may create one). A logged-in
    facilitator's page carries the session's CSRF token: the script asks /api/me for nothing, so a
    visitor without a session sees no refused request."""
    from server.services.templates import summaries

    language = pick_language(lang, accept_language, settings.default_language)
    items = sorted(summaries(), key=lambda item: item["name"] != "kickoff")  # the run sheet's first
    csrf = session[1] if session else ""
    page = pages.render("new.html", language, page="new", templates=items, csrf=csrf)
    if csrf:
        page.headers["Cache-Control"] = "no-store"  # the token is the session's: never cached
    return page


@router.get("/i18n/{language}.json")
async def js_strings(language: str) -> JSONResponse:
    """The catalogue's strings for the page scripts (the same .po files as the templates)."""
    chosen = language if language in LANGUAGES else "nl"
    return JSONResponse(catalog(chosen), headers={"Cache-Control": "public, max-age=300"})


@router.get("/m/{code}/present", response_class=HTMLResponse)
async def presenter_page(
    code: str, db: DatabaseDep, hub: HubDep, pages: PagesDep, lang: LangQuery = None
) -> HTMLResponse:
    meeting = await _meeting(code, db)
    if meeting is None:
        return _unknown(pages, lang or "nl")
    language = lang if lang in LANGUAGES else meeting.language
    return pages.render(
        "presenter.html",
        language,
        page="presenter",
        meeting=meeting,
        join_url=hub.join_url(meeting.code),
        short_url=hub.join_url(meeting.code).split("://", 1)[-1],
    )


@router.get("/m/{code}/remote", response_class=HTMLResponse)
async def remote_page(
    code: str, db: DatabaseDep, hub: HubDep, pages: PagesDep, lang: LangQuery = None
) -> HTMLResponse:
    meeting = await _meeting(code, db)
    if meeting is None:
        return _unknown(pages, lang or "nl")
    language = lang if lang in LANGUAGES else meeting.language
    return pages.render(
        "remote.html", language, page="remote", meeting=meeting, join_url=hub.join_url(meeting.code)
    )


@router.get("/{code}", response_class=HTMLResponse)
async def participant_page(
    code: str,
    db: DatabaseDep,
    pages: PagesDep,
    settings: SettingsDep,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    meeting = await _meeting(code, db)
    if meeting is None:
        return _unknown(pages, pick_language(lang, accept_language, settings.default_language))
    language = lang if lang in LANGUAGES else meeting.language
    return pages.render("participant.html", language, page="participant", meeting=meeting)


def _unknown(pages: PagesDep, language: str) -> HTMLResponse:
    return pages.render("join.html", language, status_code=404, page="join", unknown=True)

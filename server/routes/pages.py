"""HTML pages: join, participant (phone), presenter (big screen) and remote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from server.deps import HubDep, PagesDep, SessionDep, SettingsDep
from server.domain.meeting import is_valid_code, normalise_code
from server.i18n import LANGUAGES, catalog, pick_language

router = APIRouter(include_in_schema=False)

LangQuery = Annotated[str | None, Query(max_length=5)]
AcceptLanguage = Annotated[str | None, Header()]


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
async def js_strings(
    language: str, script: Annotated[str | None, Query(max_length=40)] = None, own: bool = False
) -> JSONResponse:
    """The catalogue's strings for the page scripts (the same .po files as the templates); with
    ``script``, only those of that page's script and the modules it loads (``own``: of that
    script alone, for a module that brings its own strings)."""
    chosen = language if language in LANGUAGES else "nl"
    return JSONResponse(catalog(chosen, script, own), headers={"Cache-Control": "public, max-age=300"})


def _shell(
    pages: PagesDep,
    settings: SettingsDep,
    code: str,
    template: str,
    page: str,
    lang: str | None,
    short_base: str = "",
) -> HTMLResponse:
    """A meeting's page, the same for every well-formed code: nothing in it comes from the
    database, so it tells a guesser nothing (server/gate.py). Its script opens the meeting with
    what it holds (the key or join secret in the fragment, a cookie, a session) and only then
    shows the meeting's title; the page's language is switched to the meeting's there too."""
    clean = normalise_code(code)
    language = lang if lang in LANGUAGES else settings.default_language
    if not is_valid_code(clean):
        return _unknown(pages, language)
    return pages.render(
        template, language, page=page, code=clean, lang_fixed=lang in LANGUAGES, short_base=short_base
    )


@router.get("/m/{code}/present", response_class=HTMLResponse)
async def presenter_page(
    code: str, hub: HubDep, pages: PagesDep, settings: SettingsDep, lang: LangQuery = None
) -> HTMLResponse:
    short_base = hub.public_base.split("://", 1)[-1]
    return _shell(pages, settings, code, "presenter.html", "presenter", lang, short_base=short_base)


@router.get("/m/{code}/remote", response_class=HTMLResponse)
async def remote_page(
    code: str, pages: PagesDep, settings: SettingsDep, lang: LangQuery = None
) -> HTMLResponse:
    return _shell(pages, settings, code, "remote.html", "remote", lang)


@router.get("/m/{code}/clock", response_class=HTMLResponse)
async def timekeeper_page(
    code: str, pages: PagesDep, settings: SettingsDep, lang: LangQuery = None
) -> HTMLResponse:
    """The timekeeper's page (the key in #key=): the agenda's clock and the signal."""
    return _shell(pages, settings, code, "timekeeper.html", "timekeeper", lang)


@router.get("/{code}", response_class=HTMLResponse)
async def participant_page(
    code: str, pages: PagesDep, settings: SettingsDep, lang: LangQuery = None
) -> HTMLResponse:
    return _shell(pages, settings, code, "participant.html", "participant", lang)


def _unknown(pages: PagesDep, language: str) -> HTMLResponse:
    return pages.render("join.html", language, status_code=404, page="join", unknown=True)

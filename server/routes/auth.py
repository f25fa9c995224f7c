"""Facilitator accounts over HTTP: log in and out, who am I, co-hosts, the presenter key."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from server.deps import (
    SESSION_COOKIE,
    ClockDep,
    CodePath,
    CurrentLead,
    DatabaseDep,
    HubDep,
    PagesDep,
    SessionDep,
    SettingsDep,
    bearer,
)
from server.domain.errors import Code, DomainError
from server.gate import client_address, open_meeting
from server.guards import JoinGuard, OriginPolicy
from server.routes.schemas import ErrorOut
from server.services import accounts
from server.services.events import StructureChanged
from server.services.meetings import MeetingAuth
from server.services.roles import role_of

router = APIRouter()
errors: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422, 429)
}


# What str.isspace() calls white space (accounts.normalise_email strips it around an address and
# refuses it inside), spelled out because regex engines disagree about \s.
SPACES = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
EMAIL_PATTERN = f"^[{SPACES}]*[^{SPACES}]*@[^{SPACES}]*[{SPACES}]*$"


class CohostBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(
        min_length=3,
        max_length=254,
        pattern=EMAIL_PATTERN,
        description="The account's email address (spaces around it are ignored)",
    )


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1000)


def _guards(request: Request) -> tuple[JoinGuard, JoinGuard, JoinGuard]:
    state = request.app.state
    return state.login_ip_guard, state.login_pair_guard, state.login_account_guard


async def _login(
    request: Request,
    response: Response,
    db: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    email: str,
    password: str,
) -> accounts.LoggedIn:
    policy: OriginPolicy = request.app.state.origins
    origin = request.headers.get("origin")
    if origin is not None and not policy.permits(origin):
        # Login CSRF: a form on another site must not log this browser into some account.
        raise DomainError(Code.CSRF, "Log in from Kring's own page.")
    by_ip, by_pair, by_account = _guards(request)
    address = client_address(request)
    account_key = email.strip().lower()
    # An account is locked per address, never for everyone: a guesser who knows the owner's
    # email locks out only himself. Across addresses the account is slowed down instead.
    pair = f"{account_key}\n{by_ip.key_of(address).hex()}"
    if by_ip.blocked(address) or by_pair.blocked(pair):
        raise DomainError(Code.TOO_MANY_ATTEMPTS, "Too many failed logins; wait a few minutes.")
    # Counted as failed until the password checks out: parallel guesses all count.
    failures = by_account.recent(account_key)
    by_ip.attempt(address)
    by_pair.attempt(pair)
    by_account.attempt(account_key)
    over = failures - settings.login_failures_per_account
    if over >= 0:
        # 1 s, 2 s, 4 s ... per failure past the allowance: a try every few seconds at most for
        # a guesser on many addresses; the owner waits a moment and gets in.
        await asyncio.sleep(min(settings.login_slowdown_max_seconds, 2.0**over))
    logged_in = await db.run(accounts.login, email, password, clock.now(), settings.session_days)
    by_ip.succeeded(address)
    by_pair.succeeded(pair)
    by_account.succeeded(account_key)
    response.set_cookie(
        SESSION_COOKIE,
        logged_in.token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies(),
        path="/",
    )
    return logged_in


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(pages: PagesDep, settings: SettingsDep, lang: str | None = None) -> HTMLResponse:
    language = lang if lang in ("nl", "en") else settings.default_language
    return pages.render("login.html", language, page="login")


@router.post("/login", include_in_schema=False)
async def login_form(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    pages: PagesDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    redirect = RedirectResponse("/account", status_code=303)
    try:
        await _login(request, redirect, db, settings, clock, email, password)
    except DomainError as exc:
        status = 429 if exc.code == Code.TOO_MANY_ATTEMPTS else 403 if exc.code == Code.CSRF else 401
        return pages.render(
            "login.html",
            settings.default_language,
            status_code=status,
            page="login",
            error=exc.code,
            email=email,
        )
    return redirect


@router.post("/api/login", responses=errors)
async def login_api(
    body: LoginBody,
    request: Request,
    response: Response,
    db: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> dict[str, Any]:
    """Log in as a facilitator: sets the HttpOnly session cookie; returns the CSRF token that
    every state-changing request with that cookie must send as X-CSRF-Token."""
    logged_in = await _login(request, response, db, settings, clock, body.email, body.password)
    return {
        "email": logged_in.account.email,
        "name": logged_in.account.name,
        "csrf_token": logged_in.csrf_token,
    }


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, db: DatabaseDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    policy: OriginPolicy = request.app.state.origins
    origin = request.headers.get("origin")
    if origin is not None and not policy.permits(origin):
        raise DomainError(Code.CSRF, "Log out from Kring's own page.")
    if token:
        await db.run(accounts.logout, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/me", responses=errors)
async def me(found: SessionDep, db: DatabaseDep) -> dict[str, Any]:
    """The logged-in facilitator, their CSRF token and the meetings they own or co-host."""
    if found is None:
        raise DomainError(Code.LOGIN_REQUIRED, "Not logged in.")
    account, csrf = found
    meetings = await db.run(accounts.meetings_of, account.id)
    return {
        "email": account.email,
        "name": account.name,
        "csrf_token": csrf,
        "meetings": [
            {"code": m.code, "title": m.title, "owner": m.owner, "cohosts": list(m.cohosts)} for m in meetings
        ],
    }


@router.get("/api/meetings/{code}/access", responses=errors)
async def access(
    code: CodePath,
    request: Request,
    found: SessionDep,
    db: DatabaseDep,
    authorization: Annotated[str | None, Header(description="`Bearer <a key of the meeting>`")] = None,
) -> dict[str, str | None]:
    """What this key (or the session) may do in the meeting: `host`, `presenter`, or a role:
    `cohost`, `moderator`, `timekeeper`. The big screen asks it, once its key opened the socket,
    to learn whether its arrow keys may move the activities; the remote, to learn which controls
    to show. Anything else is answered as an unknown code (server/gate.py)."""
    key = bearer(authorization)
    roles: list[str] = []

    async def check(auth: MeetingAuth) -> bool:
        if key is not None:
            named = role_of(key, auth)
            roles.extend([named] if named else [])
        elif found is not None and await db.run(accounts.may_host, auth.meeting_id, found[0].id):
            roles.append("host")
        return bool(roles)

    await open_meeting(request, code, check)
    return {"role": roles[0]}


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
async def account_page(
    found: SessionDep, db: DatabaseDep, pages: PagesDep, settings: SettingsDep
) -> Response:
    if found is None:
        return RedirectResponse("/login", status_code=303)
    account, csrf = found
    meetings = await db.run(accounts.meetings_of, account.id)
    return pages.render(
        "account.html",
        settings.default_language,
        page="account",
        account=account,
        meetings=meetings,
        csrf=csrf,
    )


@router.post("/api/meetings/{code}/cohosts", responses=errors)
async def add_cohost(body: CohostBody, meeting_id: CurrentLead, db: DatabaseDep) -> dict[str, str]:
    """Give another facilitator account host rights on this meeting (no password shared)."""
    account = await db.run(accounts.add_cohost, meeting_id, body.email)
    return {"email": account.email, "name": account.name}


@router.post("/api/meetings/{code}/host-key", responses=errors)
async def rotate_host_key(meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep) -> dict[str, str]:
    """A new host key (remote link), e.g. after the old one leaked. The old one stops working
    at once; remotes using it close. Sessions of the owner and co-facilitators keep working."""
    key = await db.run(accounts.rotate_host_key, meeting_id)
    await hub.publish([StructureChanged(meeting_id)])
    room = await hub.room(meeting_id)
    code = room.meeting.code if room else ""
    return {"host_key": key, "remote_url": f"{hub.public_base}/m/{code}/remote#key={key}"}


@router.post("/api/meetings/{code}/presenter-key", responses=errors)
async def rotate_presenter_key(meeting_id: CurrentLead, db: DatabaseDep, hub: HubDep) -> dict[str, str]:
    """A new big-screen key. The old one stops working at once; open big screens using it close."""
    key = await db.run(accounts.rotate_presenter_key, meeting_id)
    await hub.publish([StructureChanged(meeting_id)])
    room = await hub.room(meeting_id)
    code = room.meeting.code if room else ""
    return {"presenter_key": key, "presenter_url": f"{hub.public_base}/m/{code}/present#key={key}"}

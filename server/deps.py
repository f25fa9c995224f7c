"""Dependency aliases read from app.state; they work for HTTP requests and websockets alike.

The getters are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in a worker
thread, and four thread hops per request were a third of a join's cost in a join storm.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Path
from starlette.requests import HTTPConnection, Request

from server.db.database import Database
from server.domain.agenda import Clock
from server.domain.errors import Code, DomainError
from server.gate import open_meeting
from server.guards import JoinGuard
from server.parsing import TemplateParser
from server.realtime.hub import Hub
from server.services import accounts
from server.services.accounts import Account
from server.services.batcher import AnswerBatcher, JoinBatcher
from server.services.meetings import MeetingAuth
from server.services.roles import RIGHTS, role_of
from server.settings import Settings
from server.web import Pages


async def get_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


async def get_clock(conn: HTTPConnection) -> Clock:
    clock: Clock = conn.app.state.clock
    return clock


async def get_db(conn: HTTPConnection) -> Database:
    db: Database = conn.app.state.db
    return db


async def get_hub(conn: HTTPConnection) -> Hub:
    hub: Hub = conn.app.state.hub
    return hub


async def get_joins(conn: HTTPConnection) -> JoinBatcher:
    joins: JoinBatcher = conn.app.state.joins
    return joins


async def get_batcher(conn: HTTPConnection) -> AnswerBatcher:
    batcher: AnswerBatcher = conn.app.state.batcher
    return batcher


async def get_guard(conn: HTTPConnection) -> JoinGuard:
    guard: JoinGuard = conn.app.state.join_guard
    return guard


async def get_pages(conn: HTTPConnection) -> Pages:
    pages: Pages = conn.app.state.pages
    return pages


async def get_template_parser(conn: HTTPConnection) -> TemplateParser:
    parser: TemplateParser = conn.app.state.template_parser
    return parser


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
HubDep = Annotated[Hub, Depends(get_hub)]
ClockDep = Annotated[Clock, Depends(get_clock)]
BatcherDep = Annotated[AnswerBatcher, Depends(get_batcher)]
JoinsDep = Annotated[JoinBatcher, Depends(get_joins)]
PagesDep = Annotated[Pages, Depends(get_pages)]
GuardDep = Annotated[JoinGuard, Depends(get_guard)]
TemplateParserDep = Annotated[TemplateParser, Depends(get_template_parser)]
CodePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=20,
        pattern="^[A-Za-z0-9 -]+$",
        description="The meeting's join code; lower case, spaces and dashes are accepted and ignored",
    ),
]
ActivityIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The activity's id")]


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


SESSION_COOKIE = "kring_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def session_of(request: Request, db: DatabaseDep, clock: ClockDep) -> tuple[Account, str] | None:
    """The logged-in facilitator and their CSRF token, if the session cookie is valid."""
    token = request.cookies.get(SESSION_COOKIE)
    return await db.run(accounts.session_user, token, clock.now()) if token else None


SessionDep = Annotated[tuple[Account, str] | None, Depends(session_of)]


async def current_account(request: Request, found: SessionDep) -> Account | None:
    """The logged-in facilitator. State-changing requests must carry the session's CSRF token:
    the session cookie rides along on cross-site requests, a header set by our own script does not."""
    if found is None:
        return None
    account, csrf = found
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
        request.headers.get(CSRF_HEADER, ""), csrf
    ):
        raise DomainError(Code.CSRF, f"This action needs the {CSRF_HEADER} header of your session.")
    return account


AuthorizationHeader = Annotated[
    str | None,
    Header(description="`Bearer <host key>`, as returned when the meeting was made"),
]


async def current_host(
    code: CodePath,
    request: Request,
    db: DatabaseDep,
    clock: ClockDep,
    authorization: AuthorizationHeader = None,
) -> int:
    """The meeting id, when the request carries that meeting's host key, or comes from the
    session of its owner or a co-facilitator (with the session's CSRF token). Anything else is
    answered as an unknown code is (server/gate.py)."""
    return (await _opened(code, request, db, clock, authorization, RIGHTS["host"])).meeting_id


async def current_screen(
    code: CodePath,
    request: Request,
    db: DatabaseDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header(description="`Bearer <presenter key or host key>`")] = None,
) -> MeetingAuth:
    """What the big screen may fetch: with the presenter key, the host key, or a host's session."""
    return await _opened(code, request, db, clock, authorization, RIGHTS["screen"])


RoleHeader = Annotated[str | None, Header(description="`Bearer <host key or a role's key>`")]


async def current_lead(
    code: CodePath, request: Request, db: DatabaseDep, clock: ClockDep, authorization: RoleHeader = None
) -> int:
    """The meeting id for the host key or a host's session only (not a co-facilitator's key):
    the keys and deleting the meeting (server/services/roles.py)."""
    return (await _opened(code, request, db, clock, authorization, RIGHTS["lead"])).meeting_id


async def current_moderator(
    code: CodePath, request: Request, db: DatabaseDep, clock: ClockDep, authorization: RoleHeader = None
) -> int:
    """The meeting id for a host, or the moderator's key: moderating answers and questions."""
    return (await _opened(code, request, db, clock, authorization, RIGHTS["moderate"])).meeting_id


async def current_timekeeper(
    code: CodePath, request: Request, db: DatabaseDep, clock: ClockDep, authorization: RoleHeader = None
) -> int:
    """The meeting id for a host, or the timekeeper's key: the agenda's clock and the signal."""
    return (await _opened(code, request, db, clock, authorization, RIGHTS["clock"])).meeting_id


async def _opened(
    code: str,
    request: Request,
    db: Database,
    clock: Clock,
    authorization: str | None,
    allowed: frozenset[str],
) -> MeetingAuth:
    key = bearer(authorization)
    # A session without its CSRF token is refused (403 csrf) before the code is looked at.
    account = (
        None if key is not None else await current_account(request, await session_of(request, db, clock))
    )

    async def check(auth: MeetingAuth) -> bool:
        if key is not None:
            return role_of(key, auth) in allowed
        return account is not None and await db.run(accounts.may_host, auth.meeting_id, account.id)

    return await open_meeting(request, code, check)


CurrentHost = Annotated[int, Depends(current_host)]
CurrentScreen = Annotated[MeetingAuth, Depends(current_screen)]
CurrentLead = Annotated[int, Depends(current_lead)]
CurrentModerator = Annotated[int, Depends(current_moderator)]
CurrentTimekeeper = Annotated[int, Depends(current_timekeeper)]

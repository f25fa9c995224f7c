"""Dependency aliases read from app.state; they work for HTTP requests and websockets alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path
from starlette.requests import HTTPConnection

from server.db.database import Database
from server.domain.errors import DomainError
from server.domain.meeting import normalise_code
from server.guards import JoinGuard
from server.realtime.hub import Hub
from server.services import meetings as meeting_service
from server.services.batcher import AnswerBatcher
from server.services.keys import key_matches
from server.settings import Settings
from server.web import Pages


def get_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


def get_db(conn: HTTPConnection) -> Database:
    db: Database = conn.app.state.db
    return db


def get_hub(conn: HTTPConnection) -> Hub:
    hub: Hub = conn.app.state.hub
    return hub


def get_batcher(conn: HTTPConnection) -> AnswerBatcher:
    batcher: AnswerBatcher = conn.app.state.batcher
    return batcher


def get_guard(conn: HTTPConnection) -> JoinGuard:
    guard: JoinGuard = conn.app.state.join_guard
    return guard


def get_pages(conn: HTTPConnection) -> Pages:
    pages: Pages = conn.app.state.pages
    return pages


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
HubDep = Annotated[Hub, Depends(get_hub)]
BatcherDep = Annotated[AnswerBatcher, Depends(get_batcher)]
PagesDep = Annotated[Pages, Depends(get_pages)]
GuardDep = Annotated[JoinGuard, Depends(get_guard)]
CodePath = Annotated[str, Path(min_length=1, max_length=20, description="The meeting's join code")]


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def current_host(
    code: CodePath,
    db: DatabaseDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer <host key>`, as returned when the meeting was made")
    ] = None,
) -> int:
    """The meeting id, when the request carries that meeting's host key."""
    auth = await db.run(meeting_service.meeting_auth, normalise_code(code))
    if auth is None:
        raise DomainError("unknown_code", "There is no meeting with this code.")
    key = bearer(authorization)
    if key is None:
        raise DomainError(
            "unauthorized", "This action needs the host key: 'Authorization: Bearer <host key>'."
        )
    if not key_matches(key, auth.host_key_hash):
        raise DomainError("forbidden", "The host key is not valid for this meeting.")
    return auth.meeting_id


CurrentHost = Annotated[int, Depends(current_host)]

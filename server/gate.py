"""One guard for every route that takes a meeting's code: a request that does not prove its right
to the meeting gets the answer an unknown code gets, in status, body and work done, and counts
against its client's limit (the join-code limit: 429 past it, for known and unknown codes alike).

Routes differ only in what proves the right (``Check``): a host key or a facilitator's session,
a presenter key, the join secret of the QR link or a participant cookie, or, for a typed code, a
client that is not blocked. Pages take no code on trust: they are the same shell for every code.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import HTTPConnection

from server.db.database import Database
from server.domain.errors import Code, DomainError
from server.domain.meeting import is_valid_code, normalise_code
from server.guards import JoinGuard
from server.services import meetings as meeting_service
from server.services.keys import key_matches
from server.services.meetings import MeetingAuth

# Stands in for a meeting that does not exist: checks run against it as against a real one (a
# key is hashed and compared, a session's hosting looked up), so an unknown code costs the same.
NO_HASH = "0" * 64
NO_MEETING = MeetingAuth(0, NO_HASH, NO_HASH, "")

Check = Callable[[MeetingAuth], Awaitable[bool]]


def client_address(conn: HTTPConnection) -> str | None:
    """The client's address (behind a proxy, what server/app.py's trusted proxies say it is)."""
    return conn.client.host if conn.client else None


def unknown_code() -> DomainError:
    return DomainError(Code.UNKNOWN_CODE, "There is no meeting with this code.")


def too_many_attempts() -> DomainError:
    return DomainError(
        Code.TOO_MANY_ATTEMPTS, "Too many unknown codes from here; wait a minute and check the code."
    )


def join_guard(conn: HTTPConnection) -> JoinGuard:
    guard: JoinGuard = conn.app.state.join_guard
    return guard


async def open_meeting(conn: HTTPConnection, code: str, check: Check) -> MeetingAuth:
    """The meeting behind ``code`` when ``check`` grants it; otherwise ``unknown_code`` (404), or
    ``too_many_attempts`` (429) once the client is past its limit, whether the code exists or not.

    The code is always looked up in the database (never in the live rooms' memory), and ``check``
    runs against ``NO_MEETING`` when there is none: a live meeting takes as long to refuse."""
    db: Database = conn.app.state.db
    clean = normalise_code(code)
    found = await db.run(meeting_service.meeting_auth, clean) if is_valid_code(clean) else None
    if await check(found or NO_MEETING) and found is not None:
        return found
    if not join_guard(conn).failed(client_address(conn)):  # counted; False: past the limit
        raise too_many_attempts()
    raise unknown_code()


def key_check(key: str, *hashes: str) -> bool:
    """Whether ``key`` matches one of the hashes; every hash is compared (no early exit)."""
    matches = [key_matches(key, expected) for expected in hashes]
    return any(matches)


def secret_matches(secret: str | None, auth: MeetingAuth) -> bool:
    if not secret or not auth.join_secret:
        return False
    return hmac.compare_digest(secret.encode(), auth.join_secret.encode())

"""How a refused request looks over HTTP: the status for each error code, and the body."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from server.domain.errors import DomainError
from server.i18n import asked_language, say

STATUS_BY_CODE = {
    "unknown_code": 404,
    "unknown_meeting": 404,
    "unknown_activity": 404,
    "unknown_block": 404,
    "unknown_question": 404,
    "unknown_template": 404,
    "invalid_template_values": 400,
    "report_unavailable": 503,
    "too_large": 413,
    "storage_failed": 503,
    "busy": 503,
    "no_block": 409,
    "no_agenda": 409,
    "agenda_not_started": 409,
    "unauthorized": 401,
    "forbidden": 403,
    "has_answers": 409,
    "confirmation_required": 409,
    "no_activity": 409,
    "too_many_attempts": 429,
    "joins_closed": 403,
    "too_many_meetings": 429,
    "csrf": 403,
    "login_required": 401,
    "login_failed": 401,
    "email_taken": 409,
    "unknown_user": 404,
    "not_joined": 404,
    "unknown_series": 404,
    "unknown_pass": 404,
    "no_pass": 404,
    "in_another_series": 409,
    "not_in_series": 409,
    "link_taken": 409,
    "link_mismatch": 409,
}


def error_response(exc: DomainError, accept_language: str | None = None) -> JSONResponse:
    """``{"error": {"code", "message"}}`` with the code's status (400 when it has none); the
    message in the language the request asks for where it is a Text, else English."""
    return JSONResponse(
        {"error": {"code": exc.code, "message": say(exc.message, asked_language(accept_language))}},
        status_code=STATUS_BY_CODE.get(exc.code, 400),
    )

"""How a refused request looks over HTTP: the status for each error code, and the body."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from server.domain.errors import Code, DomainError
from server.i18n import asked_language, say

STATUS_BY_CODE = {
    Code.UNKNOWN_CODE: 404,
    Code.UNKNOWN_MEETING: 404,
    Code.UNKNOWN_ACTIVITY: 404,
    Code.UNKNOWN_BLOCK: 404,
    Code.UNKNOWN_QUESTION: 404,
    Code.UNKNOWN_TEMPLATE: 404,
    Code.INVALID_TEMPLATE_VALUES: 400,
    Code.REPORT_UNAVAILABLE: 503,
    Code.TOO_LARGE: 413,
    Code.STORAGE_FAILED: 503,
    Code.BUSY: 503,
    Code.NO_BLOCK: 409,
    Code.NO_AGENDA: 409,
    Code.AGENDA_NOT_STARTED: 409,
    Code.FORBIDDEN: 403,
    Code.HAS_ANSWERS: 409,
    Code.CONFIRMATION_REQUIRED: 409,
    Code.NO_ACTIVITY: 409,
    Code.QUESTIONNAIRE_CLOSED: 409,
    Code.TOO_MANY_ATTEMPTS: 429,
    Code.JOINS_CLOSED: 403,
    Code.TOO_MANY_MEETINGS: 429,
    Code.CSRF: 403,
    Code.LOGIN_REQUIRED: 401,
    Code.LOGIN_FAILED: 401,
    Code.EMAIL_TAKEN: 409,
    Code.UNKNOWN_USER: 404,
    Code.NOT_JOINED: 404,
    Code.UNKNOWN_ACTION: 404,
    Code.UNKNOWN_SERIES: 404,
    Code.UNKNOWN_PASS: 404,
    Code.NO_PASS: 404,
    Code.IN_ANOTHER_SERIES: 409,
    Code.NOT_IN_SERIES: 409,
    Code.LINK_TAKEN: 409,
    Code.LINK_MISMATCH: 409,
    Code.NOT_COMPARABLE: 409,
    Code.INVALID_REQUEST: 422,  # the framework's schema check answers it too (server/app.py)
}


def error_response(exc: DomainError, accept_language: str | None = None) -> JSONResponse:
    """``{"error": {"code", "message"}}`` with the code's status (400 when it has none); the
    message in the language the request asks for where it is a Text, else English."""
    return JSONResponse(
        {"error": {"code": exc.code, "message": say(exc.message, asked_language(accept_language))}},
        status_code=STATUS_BY_CODE.get(exc.code, 400),
    )

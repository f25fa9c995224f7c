"""DomainError and its codes: every refusal carries a stable code and a message naming the problem."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Every error code Kring sends, over HTTP and the websocket; clients switch on these, so they
    never change spelling. docs/api.md lists each one (tests/test_docs.py)."""

    TEXT_TOO_LONG = "text_too_long"
    TEXT_EMPTY = "text_empty"
    CONTROL_CHARACTERS = "control_characters"
    NONCHARACTER = "noncharacter"  # U+FFFF, U+10FFFF, U+FDD0..U+FDEF: never text
    COMBINING_MARKS = "combining_marks"  # more marks stacked on one letter than any script needs
    WRONG_KIND = "wrong_kind"  # the payload's shape does not fit the activity kind
    INVALID_SLOT = "invalid_slot"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    TOO_MANY_PICKS = "too_many_picks"
    UNKNOWN_STATEMENT = "unknown_statement"
    UNKNOWN_ITEM = "unknown_item"  # a grid item past the last
    UNKNOWN_OPTION = "unknown_option"
    TOO_MANY_OPTIONS = "too_many_options"
    NO_OPTION = "no_option"
    RANKING_INCOMPLETE = "ranking_incomplete"  # a full ranking is asked for, and items were left out
    POINTS_OVER_BUDGET = "points_over_budget"
    OWN_WORD = "own_word"
    UNKNOWN_WORD = "unknown_word"
    ALREADY_STEPPED_IN = "already_stepped_in"
    INVALID_SETTINGS = "invalid_settings"
    UNKNOWN_KIND = "unknown_kind"
    TOO_LATE = "too_late"  # a timed activity's deadline passed (the server's clock, at receipt)
    ANSWER_LOCKED = "answer_locked"  # this kind's answers cannot be changed or withdrawn once sent

    # A nickname refused as text (the text codes above, prefixed: the phone says which field).
    NICKNAME_TEXT_TOO_LONG = "nickname_text_too_long"
    NICKNAME_TEXT_EMPTY = "nickname_text_empty"
    NICKNAME_CONTROL_CHARACTERS = "nickname_control_characters"
    NICKNAME_NONCHARACTER = "nickname_noncharacter"
    NICKNAME_COMBINING_MARKS = "nickname_combining_marks"

    # Answering over the websocket.
    ACTIVITY_NOT_OPEN = "activity_not_open"
    ACTIVITY_CLOSED = "activity_closed"
    CLIENT_ID_REUSED = "client_id_reused"
    INVALID_JSON = "invalid_json"  # also HTTP: a body that is not JSON
    INVALID_MESSAGE = "invalid_message"
    BINARY_FRAME = "binary_frame"
    RATE_LIMITED = "rate_limited"
    AUTH_TIMEOUT = "auth_timeout"
    INVARIANT_BROKEN = "invariant_broken"  # KRING_CHECK_INVARIANTS only

    # Meetings, activities and their moderation.
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_MEETING = "unknown_meeting"
    UNKNOWN_ACTIVITY = "unknown_activity"
    MISSING_TITLE = "missing_title"
    INVALID_ORDER = "invalid_order"
    HAS_ANSWERS = "has_answers"
    CONFIRMATION_REQUIRED = "confirmation_required"
    NO_ACTIVITY = "no_activity"
    NO_CODE = "no_code"
    UNKNOWN_ACTION = "unknown_action"
    MISSING_FIELD = "missing_field"
    INVALID_MERGE = "invalid_merge"

    # Joining, keys, sessions and accounts.
    NOT_JOINED = "not_joined"
    JOINS_CLOSED = "joins_closed"
    FORBIDDEN = "forbidden"
    CSRF = "csrf"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    TOO_MANY_MEETINGS = "too_many_meetings"
    LOGIN_REQUIRED = "login_required"
    LOGIN_FAILED = "login_failed"
    EMAIL_TAKEN = "email_taken"
    INVALID_EMAIL = "invalid_email"
    WEAK_PASSWORD = "weak_password"
    UNKNOWN_USER = "unknown_user"

    # The agenda, templates, exports and the report.
    UNKNOWN_BLOCK = "unknown_block"
    NO_BLOCK = "no_block"
    NO_AGENDA = "no_agenda"
    AGENDA_NOT_STARTED = "agenda_not_started"
    INVALID_DURATION = "invalid_duration"
    INVALID_START_TIME = "invalid_start_time"
    UNKNOWN_TEMPLATE = "unknown_template"
    INVALID_TEMPLATE = "invalid_template"
    INVALID_TEMPLATE_VALUES = "invalid_template_values"
    INVALID_EXPORT = "invalid_export"
    TOO_LARGE = "too_large"
    REPORT_UNAVAILABLE = "report_unavailable"
    BUSY = "busy"

    # Series of meetings, their links and network passes, and follow-ups of actions.
    UNKNOWN_SERIES = "unknown_series"
    NOT_IN_SERIES = "not_in_series"
    IN_ANOTHER_SERIES = "in_another_series"
    NOT_COMPARABLE = "not_comparable"
    INVALID_SERIES_LINK = "invalid_series_link"
    LINK_MISMATCH = "link_mismatch"
    LINK_TAKEN = "link_taken"
    UNKNOWN_PARTICIPANT = "unknown_participant"
    UNKNOWN_PASS = "unknown_pass"
    NO_PASS = "no_pass"
    INVALID_STATUS = "invalid_status"

    # Q&A and reactions.
    UNKNOWN_QUESTION = "unknown_question"
    QA_CLOSED = "qa_closed"
    TOO_MANY_QUESTIONS = "too_many_questions"
    OWN_QUESTION = "own_question"
    UNKNOWN_REACTION = "unknown_reaction"
    INVALID_REACTION_SET = "invalid_reaction_set"
    REACTIONS_OFF = "reactions_off"

    # Self-paced questionnaires.
    INVALID_QUESTIONNAIRE = "invalid_questionnaire"
    NOT_SELF_PACED = "not_self_paced"
    QUESTIONNAIRE_CLOSED = "questionnaire_closed"
    INVALID_STEP = "invalid_step"

    # HTTP itself: storage, the request's shape and size, and the framework's own refusals.
    STORAGE_FAILED = "storage_failed"
    INVALID_REQUEST = "invalid_request"
    BODY_TOO_LARGE = "body_too_large"
    HEAD_TOO_LARGE = "head_too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"  # any other refusal by the framework; the HTTP status says which


class DomainError(Exception):
    """A refusal: ``code`` for machines, ``message`` (English) for people, ``params`` for translations."""

    def __init__(self, code: Code, message: str, **params: object) -> None:
        super().__init__(message)
        self.code: Code = Code(code)
        self.message = message
        self.params: dict[str, object] = params

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"

"""Every websocket message, in and out, as pydantic models in discriminated unions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from server.domain.errors import Code, DomainError
from server.domain.qa import QUESTION_MAX_LENGTH
from server.kinds.fields import WORD_MAX_LENGTH

ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Slot = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_:-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AnswerIn(_In):
    """A participant answers (or replaces the answer in ``slot``)."""

    type: Literal["answer"]
    activity_id: int
    client_id: ClientId
    slot: Slot
    value: dict[str, Any]


class WithdrawIn(_In):
    """A participant takes the answer in ``slot`` back."""

    type: Literal["withdraw"]
    activity_id: int
    client_id: ClientId
    slot: Slot


class FindIn(_In):
    """A check-out phone looks for a word outside its bounded list by typing part of it."""

    type: Literal["find"]
    activity_id: int
    query: Annotated[str, Field(min_length=1, max_length=WORD_MAX_LENGTH)]


class AskIn(_In):
    """A participant asks a question in the Q&A, with its nickname or (``anonymous``) without."""

    type: Literal["ask"]
    client_id: ClientId
    text: Annotated[str, Field(min_length=1, max_length=QUESTION_MAX_LENGTH * 4)]
    anonymous: bool = False


class VoteIn(_In):
    """A participant upvotes a question (``up``: true) or withdraws its upvote (false)."""

    type: Literal["vote"]
    client_id: ClientId
    question_id: int
    up: bool


class ReactIn(_In):
    """A participant taps a reaction; counted into the next tick's burst, not acknowledged."""

    type: Literal["react"]
    reaction: Annotated[str, Field(min_length=1, max_length=20)]


class StepIn(_In):
    """A phone moves to ``step`` of the open questionnaire (0 is the first; the number of steps
    is the end, "klaar"). Stored, then acknowledged with `step_ack`; a resend moves it again."""

    type: Literal["step"]
    client_id: ClientId
    questionnaire_id: int
    step: Annotated[int, Field(ge=0, le=1000)]


class PingIn(_In):
    type: Literal["ping"]


class AuthIn(_In):
    """The first message on a presenter or host socket: the presenter or host key; without a
    key, the facilitator's session cookie decides."""

    type: Literal["auth"]
    key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


ParticipantIn = Annotated[
    AnswerIn | WithdrawIn | FindIn | PingIn | AskIn | VoteIn | ReactIn | StepIn, Field(discriminator="type")
]
ScreenIn = Annotated[AuthIn | PingIn, Field(discriminator="type")]

participant_in = TypeAdapter[AnswerIn | WithdrawIn | FindIn | PingIn | AskIn | VoteIn | ReactIn | StepIn](
    ParticipantIn
)
react_in = TypeAdapter(ReactIn)
screen_in = TypeAdapter[AuthIn | PingIn](ScreenIn)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(_Out):
    type: Literal["error"] = "error"
    code: Code
    message: str
    client_id: str | None = None


class AckOut(_Out):
    """The answer is committed. ``v`` is the room version that includes it."""

    type: Literal["ack"] = "ack"
    client_id: str
    activity_id: int
    slot: str
    entry_id: int | None
    value: dict[str, Any] | None
    withdrawn: bool = False
    duplicate: bool = False
    v: int


class JoinOut(BaseModel):
    """What a join answers: the body of ``POST /api/join/{code}``, and the ``joined`` frame's."""

    code: str
    title: str
    theme: str
    language: str
    series_position: int | None = None
    nickname: str | None
    websocket: str


class JoinedOut(_Out, JoinOut):
    """A join in the phone's websocket handshake (``/ws/{code}?join=1``) is done: what ``POST
    /api/join/{code}`` answers. The first frame on that socket, before the first ``state``."""

    type: Literal["joined"] = "joined"


class NicknameOut(_Out):
    """The phone's nickname (None: it has none): the first frame on a socket opened without a
    join in its handshake (``joined`` says it otherwise), and again whenever it changes."""

    type: Literal["nickname"] = "nickname"
    nickname: str | None


class PongOut(_Out):
    type: Literal["pong"] = "pong"


class StateOut(_Out):
    """A phone's view of the meeting: what is on now, and its results when they are shown."""

    type: Literal["state"] = "state"
    seq: int
    v: int
    meeting: dict[str, Any]
    activity: dict[str, Any] | None
    results: dict[str, Any] | None
    agenda: dict[str, Any] | None = Field(
        default=None, description='The agenda block on now and the next one ("Nu: …", "Straks: …")'
    )
    questionnaire: dict[str, Any] | None = Field(
        default=None,
        description="The open self-paced questionnaire: its id and its steps (activities, in order); "
        "`activity` is null meanwhile, and each phone goes by its own `pace`",
    )


class MineOut(_Out):
    """A phone's own answers in one activity, by slot. Nothing in it names the phone, so the
    frame of every phone without answers is one frame (its nickname comes in ``nickname``)."""

    type: Literal["mine"] = "mine"
    activity_id: int
    answers: dict[str, dict[str, Any]]
    words: list[dict[str, Any]] | None = Field(
        default=None,
        description="Check-out only: the words its answers are about (its own, those it stepped in on)",
    )
    own: dict[str, Any] | None = Field(
        default=None,
        description="What only this phone sees of the results, if its kind has any (its own rank)",
    )


class ResultsOut(_Out):
    """Results of the current activity for phones, coalesced per tick."""

    type: Literal["results"] = "results"
    seq: int
    v: int
    activity_id: int
    results: dict[str, Any]


class FoundOut(_Out):
    """The check-out words matching a phone's `find`, at most FIND_LIMIT of them."""

    type: Literal["found"] = "found"
    activity_id: int
    query: str
    words: list[dict[str, Any]]
    more: bool


class SnapshotOut(_Out):
    """Everything the big screen (or the host's remote) shows, coalesced per tick."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    v: int
    audience: Literal["presenter", "host"]
    meeting: dict[str, Any]
    participants: int
    activities: list[dict[str, Any]]
    activity: dict[str, Any] | None
    responses: int
    respondents: int
    results: dict[str, Any] | None
    results_hidden: bool
    agenda: dict[str, Any] | None = Field(
        default=None, description="The agenda with its live timing (null: the meeting has no agenda)"
    )
    beside: dict[str, Any] | None = Field(
        default=None, description="Q&A and reactions beside the activities (server/realtime/beside.py)"
    )
    questionnaire: dict[str, Any] | None = Field(
        default=None,
        description="The open self-paced questionnaire with every step's progress (null: none open)",
    )


class QaAckOut(_Out):
    """A question or vote is committed (``duplicate``: a resend of one that was)."""

    type: Literal["qa_ack"] = "qa_ack"
    client_id: str
    op: Literal["ask", "vote", "unvote"]
    question_id: int | None
    duplicate: bool = False


class BesideOut(_Out):
    """A phone's view of what runs beside the activities: the Q&A's top questions and the
    reactions it may tap (null: closed, off)."""

    type: Literal["beside"] = "beside"
    qa: dict[str, Any] | None
    reactions: list[str] | None


class QaMineOut(_Out):
    """A phone's own questions (with their status) and the questions it upvoted."""

    type: Literal["qa_mine"] = "qa_mine"
    questions: list[dict[str, Any]]
    votes: list[int]


class PaceOut(_Out):
    """A phone's place in the open questionnaire (kept on the server: a reloaded phone comes
    back on its step) and its own answers to every step, by activity id and slot."""

    type: Literal["pace"] = "pace"
    questionnaire_id: int
    step: int
    furthest: int
    answers: dict[str, dict[str, dict[str, Any]]]


class StepAckOut(_Out):
    """A phone's move in the questionnaire is stored."""

    type: Literal["step_ack"] = "step_ack"
    client_id: str
    questionnaire_id: int
    step: int
    furthest: int


class AgendaOut(_Out):
    """The agenda's live clock, once a second while it runs (big screen and remote only)."""

    type: Literal["agenda"] = "agenda"
    agenda: dict[str, Any] | None


class SignalOut(_Out):
    """The timekeeper's "nog 5 minuten": to the remotes (host socket) only."""

    type: Literal["signal"] = "signal"
    minutes: int
    at: str  # when it was sent, ISO 8601 UTC


class ClosingOut(_Out):
    """The server is going away (meeting deleted or server stopping)."""

    type: Literal["closing"] = "closing"
    reason: str


OUTGOING: tuple[type[_Out], ...] = (
    ErrorOut,
    JoinedOut,
    NicknameOut,
    AckOut,
    PongOut,
    StateOut,
    MineOut,
    ResultsOut,
    FoundOut,
    SnapshotOut,
    AgendaOut,
    ClosingOut,
    QaAckOut,
    BesideOut,
    QaMineOut,
    SignalOut,
    PaceOut,
    StepAckOut,
)
INCOMING: tuple[type[_In], ...] = (
    AnswerIn,
    WithdrawIn,
    FindIn,
    PingIn,
    AuthIn,
    AskIn,
    VoteIn,
    ReactIn,
    StepIn,
)


def parse(adapter: TypeAdapter[Any], raw: str | bytes) -> Any:
    """Decode and validate one frame, or raise DomainError naming the problem."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise DomainError(Code.INVALID_JSON, "The message is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(Code.INVALID_JSON, f"The message is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise DomainError(Code.INVALID_MESSAGE, "A message must be a JSON object with a 'type'.")
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise DomainError(Code.INVALID_MESSAGE, describe(exc)) from None
    except RecursionError:
        raise DomainError(Code.INVALID_MESSAGE, "The message is nested too deeply.") from None


def describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "message"
        parts.append(f"{where}: {error['msg']}")
    return "Invalid message: " + "; ".join(parts) + "."


def dump(message: _Out) -> str:
    return message.model_dump_json()

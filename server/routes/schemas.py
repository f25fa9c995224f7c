"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from server.domain.errors import Code
from server.kinds import Kind
from server.realtime.messages import JoinOut as JoinOut  # the join's body, shared with its frame

MAX_ID = 2**31 - 1  # ids are INTEGER columns (32 bits on PostgreSQL)


def _whole(value: object) -> object:
    """JSON Schema counts 5.0 as an integer, so the API does too (strict mode refuses floats)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# The constraints go before the validator, or they are missing from the published schema.
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_whole)]
Position = Annotated[int, Field(ge=0), BeforeValidator(_whole)]
Minutes = Annotated[int, Field(ge=1, le=1440), BeforeValidator(_whole)]
TEMPLATE_MAX_CHARACTERS = 1_000_000  # as server.draaiboek.loader reads at most


class _Body(BaseModel):
    # Strict: "5" is not an int and 0 is not a bool, as the published schema says.
    model_config = ConfigDict(extra="forbid", strict=True)


class MeetingCreate(_Body):
    title: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Required unless a template gives it",
        examples=["Lerend netwerk Inclusie — kick-off"],
    )
    theme: str = Field(default="", max_length=200, examples=["Inclusie"])
    language: Literal["nl", "en"] = "nl"
    demo: bool = Field(default=False, description="Add one activity of each kind from the run sheet")
    template: str | None = Field(
        default=None,
        max_length=80,
        description="Build the meeting from a draaiboek template (`GET /api/templates` lists them)",
        examples=["kickoff"],
    )
    values: dict[str, str] = Field(
        default_factory=dict,
        description='The template\'s placeholders, e.g. {"thema": "Inclusie"}',
        examples=[{"thema": "Inclusie"}],
    )
    template_yaml: str | None = Field(
        default=None,
        max_length=TEMPLATE_MAX_CHARACTERS,
        description="Your own draaiboek: a whole template as YAML text (an uploaded or pasted file), "
        "instead of `template`; checked as `kring template validate` checks a file",
    )
    template_file: str | None = Field(
        default=None,
        max_length=200,
        description="The uploaded file's name, used in `invalid_template` messages (`mijn.yaml:7: …`)",
    )


class TemplateCheck(_Body):
    yaml: str = Field(max_length=TEMPLATE_MAX_CHARACTERS, description="A whole template as YAML text")
    file: str | None = Field(default=None, max_length=200, description="Its file name, for messages")


class MeetingUpdate(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    theme: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000, description="What the meeting is for")
    preparation: str | None = Field(
        default=None, max_length=20000, description="The facilitator's notes: preparation, set-up, follow-up"
    )
    language: Literal["nl", "en"] | None = None
    show_schedule: bool | None = Field(
        default=None, description="Show ahead of / behind the plan on the big screen too"
    )
    retention_days: Annotated[int, Field(ge=1, le=3650), BeforeValidator(_whole)] | None = Field(
        default=None,
        description="Days kept after the meeting was last used; null: the instance's KRING_RETENTION_DAYS",
    )


class ActivityOut(BaseModel):
    id: int
    position: int
    kind: str
    prompt: str
    settings: dict[str, Any]
    status: str
    show_results_presenter: bool
    show_results_phones: bool
    moderation: dict[str, Any]
    block_id: int | None = None
    series_link: str | None = Field(
        default=None, description="The same measurement in other meetings of its series (docs/series.md)"
    )


class BlockOut(BaseModel):
    id: int
    position: int
    title: str
    duration_minutes: int
    start_time: str | None
    goal: str
    description: str
    who: str
    materials: str
    essential: bool
    is_break: bool
    self_paced: bool = Field(default=False, description="Its activities run as one self-paced questionnaire")
    activity_ids: list[int]


class BlockCreate(_Body):
    title: str = Field(min_length=1, max_length=200, examples=["Kennismaken"])
    duration_minutes: Minutes = Field(examples=[30])
    start_time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:30"])
    goal: str = Field(default="", max_length=1000)
    description: str = Field(default="", max_length=20000)
    who: str = Field(default="", max_length=200)
    materials: str = Field(default="", max_length=2000)
    essential: bool = True
    is_break: bool = False
    self_paced: bool = Field(default=False, description="Its activities run as one self-paced questionnaire")
    position: Position | None = None


class BlockUpdate(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    duration_minutes: Minutes | None = None
    start_time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    goal: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=20000)
    who: str | None = Field(default=None, max_length=200)
    materials: str | None = Field(default=None, max_length=2000)
    essential: bool | None = None
    is_break: bool | None = None
    self_paced: bool | None = None


class BlockOrder(_Body):
    order: list[Id] = Field(description="Every block id of the meeting, in the new order")


class AgendaOut(BaseModel):
    agenda: dict[str, Any] | None = Field(description="The agenda with its live timing; null without blocks")


class TemplateOut(BaseModel):
    name: str
    title: str
    language: str
    description: str
    placeholders: list[dict[str, Any]]
    blocks: int
    activities: int
    minutes: int


class TemplateProblem(BaseModel):
    code: Literal[Code.INVALID_TEMPLATE] = Code.INVALID_TEMPLATE
    message: str = Field(description="`file:line: problem`, as `kring template validate` prints it")
    line: int | None = Field(description="The 1-based line of the problem, when there is one")


class TemplateVerdict(BaseModel):
    valid: bool
    template: TemplateOut | None = Field(description="The template in short, when it is valid")
    error: TemplateProblem | None = Field(description="The first problem, when it is not")


class MeetingOut(BaseModel):
    code: str
    title: str
    theme: str
    language: str
    join_url: str
    qr_svg_url: str
    qr_png_url: str
    current_activity_id: int | None
    participants_online: int
    activities: list[ActivityOut]
    blocks: list[BlockOut] = []
    description: str = Field(default="", description="From the draaiboek: what the meeting is for")
    preparation: str = Field(
        default="", description="From the draaiboek: the facilitator's notes (preparation, set-up, follow-up)"
    )
    show_schedule: bool = Field(
        default=False, description="The big screen shows ahead of / behind the plan (the remote always does)"
    )


class MeetingCreated(MeetingOut):
    host_key: str = Field(description="Secret: controls the meeting. Shown only once.")
    presenter_key: str = Field(description="Secret: opens the big screen. Shown only once.")
    host_url: str
    presenter_url: str


class ActivityCreate(_Body):
    kind: Kind
    prompt: str | None = Field(default=None, min_length=1, max_length=500)
    settings: dict[str, Any] | None = None
    position: Position | None = None
    block_id: Id | None = Field(default=None, description="The agenda block it belongs to")


class ActivityUpdate(_Body):
    prompt: str | None = Field(default=None, min_length=1, max_length=500)
    settings: dict[str, Any] | None = None
    block_id: Id | None = Field(
        default=None, description="Move it into this agenda block; null takes it out of every block"
    )


class Order(_Body):
    order: list[Id] = Field(description="Every activity id of the meeting, in the new order")


class Visibility(_Body):
    presenter: bool | None = Field(default=None, description="Show results on the big screen")
    phones: bool | None = Field(default=None, description="Show results on the phones")


class ResetBody(_Body):
    confirm: bool = Field(description="Must be true: a reset deletes every answer of the activity")


class Current(_Body):
    activity_id: Id | None = Field(
        description="Show this activity without opening it; null: the waiting screen"
    )


class ModerationBody(_Body):
    action: Literal[
        "highlight",
        "unhighlight",
        "hide",
        "unhide",
        "hide_word",
        "unhide_word",
        "merge_words",
        "unmerge_word",
        "profanity_filter",
    ]
    entry_id: Id | None = Field(default=None, description="open: the answer's entry id")
    key: str | None = Field(default=None, max_length=80, description="wordcloud: the word's key")
    into: str | None = Field(default=None, max_length=80, description="merge_words: the target key")
    on: bool | None = Field(default=None, description="profanity_filter: true turns it on")


class JoinBody(_Body):
    nickname: str | None = Field(
        default=None, max_length=40, description="Optional; control characters are dropped"
    )
    secret: str | None = Field(
        default=None,
        max_length=64,
        description="The join secret from the QR link's fragment (`#j=…`): a join with it is not "
        "held up when this client's address is blocked for guessing codes",
    )


class ErasedOut(BaseModel):
    """What "vergeet mij" erased (the participant itself, and these)."""

    # "pass" is a Python keyword: the field is named by alias.
    taken_pass: bool = Field(
        alias="pass", description="True: a network pass's pseudonym went (its whole series)"
    )
    meetings: int = Field(description="Meetings erased from: 1, or with a network pass all of the series'")
    answers: int
    questions: int
    votes: int = Field(description="Your votes, and the votes others gave your questions")


class MeetingPublic(BaseModel):
    code: str
    title: str
    theme: str
    language: str
    series_position: int | None = Field(
        default=None, description="Its place in a series (1 = the kick-off); null outside a series"
    )
    pass_input_max: int | None = Field(
        default=None, description="In a series: the most characters a typed network pass code may have"
    )


class Results(BaseModel):
    activity: ActivityOut
    responses: int
    respondents: int
    results: dict[str, Any]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody

"""Request and response bodies of the series routes and the network pass (docs/series.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from server.domain.series import PASS_INPUT_MAX
from server.routes.schemas import TEMPLATE_MAX_CHARACTERS, _Body, _whole

Retention = Annotated[int, Field(ge=1, le=3650), BeforeValidator(_whole)]


class SeriesCreate(_Body):
    title: str = Field(min_length=1, max_length=200, examples=["Lerend netwerk Inclusie"])
    theme: str = Field(default="", max_length=200, examples=["Inclusie"])
    language: Literal["nl", "en"] = "nl"
    retention_days: Retention | None = Field(
        default=None, description="Days its meetings and pseudonyms are kept; null: KRING_RETENTION_DAYS"
    )


class SeriesUpdate(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    theme: str | None = Field(default=None, max_length=200)
    retention_days: Retention | None = Field(
        default=None, description="Applies to every meeting of the series; null: KRING_RETENTION_DAYS"
    )


class SeriesMeetingCreate(_Body):
    template: str | None = Field(
        default=None,
        max_length=80,
        description="A builtin template; default: kickoff for the first meeting, followup after it",
        examples=["followup"],
    )
    template_yaml: str | None = Field(
        default=None, max_length=TEMPLATE_MAX_CHARACTERS, description="Your own draaiboek, as YAML text"
    )
    template_file: str | None = Field(default=None, max_length=200)
    values: dict[str, str] = Field(
        default_factory=dict, description="Placeholders; thema and bijeenkomst default to the series'"
    )
    title: str | None = Field(default=None, min_length=1, max_length=200)
    meeting: str | None = Field(
        default=None,
        max_length=20,
        description="Instead of a template: the code of a meeting you host, which becomes the next one",
    )


class SeriesFromMeeting(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=200, description="Default: the theme's")
    retention_days: Retention | None = None


class LinkBody(_Body):
    link: str | None = Field(
        max_length=64,
        description="The same measurement in the series' other meetings (a-z, 0-9, - and _); null unlinks",
        examples=["actieleren-checklist"],
    )


class PassJoinBody(_Body):
    code: str | None = Field(
        default=None,
        max_length=PASS_INPUT_MAX,
        description="The personal code (ABCD-EFGH-JKMN); without it, the pass's cookie is used",
    )
    nickname: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(default=None, max_length=64, description="The QR link's join secret")


class SeriesMeetingOut(BaseModel):
    code: str
    title: str
    position: int
    participants: int = Field(description="Who joined it")
    pseudonyms: int = Field(description="Of them, with a network pass")


class SeriesOut(BaseModel):
    id: int
    title: str
    theme: str
    language: str
    retention_days: int | None
    meetings: list[SeriesMeetingOut]
    pseudonyms: int = Field(description="Network passes taken in the series")
    next_template: str = Field(description="The template the next meeting takes by default")


class SeriesCreated(SeriesOut):
    key: str = Field(description="Secret: opens the series (Authorization: Bearer). Shown only once.")


class MeetingSeriesOut(BaseModel):
    series: SeriesOut | None
    position: int | None
    value_max: int = Field(
        description="The longest value a template's placeholder takes (the theme of the day)"
    )


class CreatedInSeries(BaseModel):
    code: str
    title: str
    position: int
    host_key: str = Field(description="Secret: the new meeting's host key. Shown only once.")
    presenter_key: str
    host_url: str
    presenter_url: str


class PassStatus(BaseModel):
    series_title: str
    position: int = Field(description="This meeting's place in the series")
    number: int | None = Field(description="This phone's pseudonym in the series; null: anonymous")


class PassTaken(BaseModel):
    number: int = Field(description="The pseudonym's number in the series: 'deelnemer 3'")
    code: str = Field(description="The personal code, ABCD-EFGH-JKMN; shown once, only its hash is kept")
    url: str = Field(description="What the QR code holds: the join page with the code in its fragment")
    qr_svg: str = Field(description="The QR code of url, as SVG")
    series_title: str


class PassJoined(BaseModel):
    code: str
    title: str
    theme: str
    language: str
    series_position: int | None = None
    nickname: str | None
    websocket: str
    number: int = Field(description="The pseudonym's number in the series")


class CompareOut(BaseModel):
    compare: dict[str, Any] | None = Field(
        description="Meeting 1 beside this one: per statement the matched n, mean and spread before "
        "and after, the change; figures over fewer than 3 matched participants are null, with the reason"
    )


class TrendOut(BaseModel):
    trend: dict[str, Any] | None = Field(description="This participant's own answers across the series")

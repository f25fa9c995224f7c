"""Activity kinds: their settings, their answer slots, and answer validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from server.domain.errors import DomainError
from server.domain.words import clean_text

if TYPE_CHECKING:
    from server.domain.tally import Tally

Kind = Literal["open", "wordcloud", "scales", "checkout", "choice"]
KINDS: tuple[Kind, ...] = ("open", "wordcloud", "scales", "checkout", "choice")

OPEN_MAX_LENGTH = 280
WORD_MAX_LENGTH = 40

STATEMENTS = {
    "nl": [
        "Ik heb nieuwe ideeën en krijg/neem de ruimte om die uit te voeren!",
        "Ik geef aandacht aan mislukte projecten!",
        "Ik wil meer uit mijn netwerk halen!",
        "Ik neem de tijd om te reflecteren op ervaringen.",
        "Ik waardeer mensen die scherpe/goede vragen aan mij stellen.",
    ],
    "en": [
        "I have new ideas and get/take the room to carry them out!",
        "I pay attention to projects that failed!",
        "I want to get more out of my network!",
        "I take the time to reflect on experiences.",
        "I value people who ask me sharp/good questions.",
    ],
}
LABELS = {
    "nl": ("Dat geldt helemaal niet voor mij", "Dat typeert mij"),
    "en": ("That doesn't apply to me at all", "That's typical of me"),
}
YES_NO = {"nl": ["Ja", "Nee"], "en": ["Yes", "No"]}

Statement = Annotated[str, Field(min_length=1, max_length=280)]
Option = Annotated[str, Field(min_length=1, max_length=200)]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenSettings(_Settings):
    max_answers: int = Field(default=1, ge=1, le=20)


class WordcloudSettings(_Settings):
    max_entries: int = Field(default=3, ge=1, le=20)
    profanity_filter: bool = True


class ScalesSettings(_Settings):
    statements: list[Statement] = Field(
        default_factory=lambda: list(STATEMENTS["nl"]), min_length=1, max_length=50
    )
    mode: Literal["stars", "yesno", "numeric"] = "stars"
    min: int = Field(default=1, ge=-1000, le=1000)
    max: int = Field(default=5, ge=-1000, le=1000)
    label_low: str = Field(default=LABELS["nl"][0], max_length=120)
    label_high: str = Field(default=LABELS["nl"][1], max_length=120)
    pick: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.mode == "yesno":
            self.min, self.max = 0, 1
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.mode == "stars" and not (self.min >= 1 and self.max <= 10):
            raise ValueError("stars run from 1 up to at most 10")
        if self.max - self.min > 200:
            raise ValueError("a scale may have at most 201 values")
        if self.pick is not None and self.pick > len(self.statements):
            raise ValueError(f"pick ({self.pick}) is more than the {len(self.statements)} statements")
        return self


class CheckoutSettings(_Settings):
    pass


class ChoiceSettings(_Settings):
    options: list[Option] = Field(default_factory=lambda: list(YES_NO["nl"]), min_length=2, max_length=30)
    max_choices: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max_choices > len(self.options):
            raise ValueError(f"max_choices ({self.max_choices}) is more than the {len(self.options)} options")
        return self


Settings = OpenSettings | WordcloudSettings | ScalesSettings | CheckoutSettings | ChoiceSettings
SETTINGS: dict[Kind, type[_Settings]] = {
    "open": OpenSettings,
    "wordcloud": WordcloudSettings,
    "scales": ScalesSettings,
    "checkout": CheckoutSettings,
    "choice": ChoiceSettings,
}


def settings_for(kind: Kind, raw: Mapping[str, object] | None) -> Settings:
    model = SETTINGS.get(kind)
    if model is None:
        raise DomainError("unknown_kind", f"Unknown activity kind {kind!r}.")
    try:
        parsed = model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        parts = []
        for error in exc.errors()[:3]:
            where = ".".join(str(p) for p in error["loc"]) or kind
            parts.append(f"{where}: {error['msg']}")
        raise DomainError("invalid_settings", "Invalid settings: " + "; ".join(parts) + ".") from None
    return parsed  # type: ignore[return-value]


def default_settings(kind: Kind, language: Literal["nl", "en"] = "nl") -> Settings:
    if kind == "scales":
        low, high = LABELS[language]
        return ScalesSettings(statements=list(STATEMENTS[language]), label_low=low, label_high=high)
    if kind == "choice":
        return ChoiceSettings(options=list(YES_NO[language]))
    return settings_for(kind, None)


# -- answers -------------------------------------------------------------------------------------


def _fields(payload: Mapping[str, object], kind: Kind, expected: set[str]) -> None:
    keys = set(payload)
    if keys != expected:
        want = ", ".join(sorted(expected)) or "no fields"
        raise DomainError(
            "wrong_kind",
            f"A {kind} answer has {want}; got {', '.join(sorted(keys)) or 'no fields'}.",
        )


def _numbered_slot(slot: str, count: int, what: str) -> int:
    if not slot.isdigit() or int(slot) >= count or (len(slot) > 1 and slot[0] == "0"):
        raise DomainError("invalid_slot", f"Slot {slot!r} does not exist: use 0 to {count - 1} ({what}).")
    return int(slot)


def _int(value: object, kind: Kind) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("wrong_kind", f"A {kind} value must be a whole number.")
    return value


def _text(value: object, kind: Kind, field: str) -> str:
    if not isinstance(value, str):
        raise DomainError("wrong_kind", f"The {field} of a {kind} answer must be text.")
    return value


def validate_answer(
    kind: Kind,
    settings: Settings,
    slot: str,
    payload: Mapping[str, object],
    *,
    own: Mapping[str, Mapping[str, object]],
    participant: int,
    tally: Tally,
) -> dict[str, object]:
    """The payload to store, normalised, or a DomainError naming what is wrong."""
    if kind == "open":
        assert isinstance(settings, OpenSettings)
        _numbered_slot(slot, settings.max_answers, "one per answer")
        _fields(payload, kind, {"text"})
        text = clean_text(
            _text(payload["text"], kind, "text"), max_length=OPEN_MAX_LENGTH, allow_newlines=True
        )
        return {"text": text}
    if kind == "wordcloud":
        assert isinstance(settings, WordcloudSettings)
        _numbered_slot(slot, settings.max_entries, "one per word")
        _fields(payload, kind, {"word"})
        return {
            "word": clean_text(
                _text(payload["word"], kind, "word"), max_length=WORD_MAX_LENGTH, allow_newlines=False
            )
        }
    if kind == "scales":
        assert isinstance(settings, ScalesSettings)
        if not slot.isdigit() or int(slot) >= len(settings.statements) or (len(slot) > 1 and slot[0] == "0"):
            raise DomainError(
                "unknown_statement",
                f"There is no statement {slot!r}; use 0 to {len(settings.statements) - 1}.",
            )
        _fields(payload, kind, {"value"})
        value = _int(payload["value"], kind)
        if not settings.min <= value <= settings.max:
            raise DomainError(
                "value_out_of_range",
                f"The value {value} is outside {settings.min}–{settings.max}.",
            )
        if settings.pick is not None and slot not in own and len(own) + 1 > settings.pick:
            raise DomainError(
                "too_many_picks",
                f"You may rate {settings.pick} statements; skip one before rating another.",
            )
        return {"value": value}
    if kind == "checkout":
        if slot == "word":
            _fields(payload, kind, {"word"})
            word = clean_text(
                _text(payload["word"], kind, "word"), max_length=WORD_MAX_LENGTH, allow_newlines=False
            )
            return {"word": word}
        entry_id = _step_in_slot(slot)
        _fields(payload, kind, set())
        owner = tally.owner_of(entry_id)
        if owner is None:
            raise DomainError("unknown_word", "That word is not (or no longer) in the circle.")
        if owner == participant:
            raise DomainError("own_word", "You cannot step in on your own word.")
        return {}
    if kind == "choice":
        assert isinstance(settings, ChoiceSettings)
        if slot != "0":
            raise DomainError("invalid_slot", "A choice answer uses slot '0'.")
        _fields(payload, kind, {"options"})
        options = payload["options"]
        if not isinstance(options, list):
            raise DomainError("wrong_kind", "'options' must be a list of option numbers.")
        picked = [_int(o, kind) for o in options]
        if not picked:
            raise DomainError("no_option", "Choose at least one option.")
        if len(set(picked)) != len(picked):
            raise DomainError("wrong_kind", "An option may be chosen only once.")
        for index in picked:
            if not 0 <= index < len(settings.options):
                raise DomainError(
                    "unknown_option", f"There is no option {index}; use 0 to {len(settings.options) - 1}."
                )
        if len(picked) > settings.max_choices:
            raise DomainError(
                "too_many_options",
                f"Choose at most {settings.max_choices} option{'s' if settings.max_choices > 1 else ''}.",
            )
        return {"options": sorted(picked)}
    raise DomainError("unknown_kind", f"Unknown activity kind {kind!r}.")


def _step_in_slot(slot: str) -> int:
    prefix, _, number = slot.partition(":")
    if prefix != "in" or not number.isdigit() or len(number) > 18:
        raise DomainError(
            "invalid_slot", f"Slot {slot!r} does not exist: use 'word', or 'in:<entry id>' to step in."
        )
    return int(number)


def validate_withdraw(kind: Kind, settings: Settings, slot: str) -> None:
    if kind == "open":
        assert isinstance(settings, OpenSettings)
        _numbered_slot(slot, settings.max_answers, "one per answer")
    elif kind == "wordcloud":
        assert isinstance(settings, WordcloudSettings)
        _numbered_slot(slot, settings.max_entries, "one per word")
    elif kind == "scales":
        assert isinstance(settings, ScalesSettings)
        _numbered_slot(slot, len(settings.statements), "one per statement")
    elif kind == "checkout":
        if slot != "word":
            _step_in_slot(slot)
    elif kind == "choice" and slot != "0":
        raise DomainError("invalid_slot", "A choice answer uses slot '0'.")

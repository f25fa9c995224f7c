"""Activity kinds: their settings, their answer slots, and answer validation."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from server.domain.errors import Code, DomainError
from server.domain.words import clean_text
from server.text import N_, Text

if TYPE_CHECKING:
    from server.domain.tally import Tally

Kind = Literal["open", "wordcloud", "scales", "checkout", "choice", "groups", "cards"]
KINDS: tuple[Kind, ...] = ("open", "wordcloud", "scales", "checkout", "choice", "groups", "cards")
Language = Literal["nl", "en"]

OPEN_MAX_LENGTH = 280
WORD_MAX_LENGTH = 40
STATEMENT_MAX_LENGTH = 280
OPTION_MAX_LENGTH = 200
LABEL_MAX_LENGTH = 200
SCALE_LIMIT = 1_000_000  # numeric scales may use any range inside ±SCALE_LIMIT ...
SCALE_MAX_VALUES = 201  # ... of at most this many values: every snapshot carries one count per value
STARS_MAX = 10
CARD_MAX_LENGTH = 280
CARD_NAME_MAX_LENGTH = 60

# The "Klaar voor actieleren!" checklist from the run sheet, as ik-boodschappen.
STATEMENTS: dict[Language, tuple[str, ...]] = {
    "nl": (
        "Ik heb nieuwe ideeën en krijg/neem de ruimte om die uit te voeren!",
        "Ik geef aandacht aan mislukte projecten!",
        "Ik wil meer uit mijn netwerk halen!",
        "Ik neem de tijd om te reflecteren op ervaringen.",
        "Ik waardeer mensen die scherpe/goede vragen aan mij stellen.",
    ),
    "en": (
        "I have new ideas and get/take the room to put them into practice!",
        "I pay attention to projects that failed!",
        "I want to get more out of my network!",
        "I take the time to reflect on experiences.",
        "I value people who ask me sharp/good questions.",
    ),
}
LABELS: dict[Language, tuple[str, str]] = {
    "nl": ("Dat geldt helemaal niet voor mij", "Dat typeert mij"),
    "en": ("That doesn't apply to me at all", "That's typical of me"),
}
YES_NO: dict[Language, tuple[str, str]] = {"nl": ("Ja", "Nee"), "en": ("Yes", "No")}
# The run sheet's Category Cruncher, first round: groups by favourite breakfast.
BREAKFAST: dict[Language, tuple[str, ...]] = {
    "nl": ("Havermout", "Yoghurt", "Brood", "Alleen koffie"),
    "en": ("Porridge", "Yoghurt", "Bread", "Just coffee"),
}
CARD_LABELS: dict[Language, tuple[str, str]] = {
    "nl": ("Mijn inzicht van vandaag", "De actie die ik ga oppakken"),
    "en": ("My insight of today", "The action I will take"),
}


def _cleaned(max_length: int, *, optional: bool = False) -> AfterValidator:
    """Settings text gets the same cleaning as answers; pydantic only reports ValueErrors."""

    def clean(value: str) -> str:
        if optional and not value.strip():
            return ""
        try:
            return clean_text(value, max_length=max_length, allow_newlines=False)
        except DomainError as exc:
            raise ValueError(exc.message) from None

    return AfterValidator(clean)


Statement = Annotated[str, _cleaned(STATEMENT_MAX_LENGTH)]
Option = Annotated[str, _cleaned(OPTION_MAX_LENGTH)]
Label = Annotated[str, _cleaned(LABEL_MAX_LENGTH, optional=True)]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def limits(self) -> dict[str, int]:
        """What the phone holds an answer to before sending it (the server checks again): sent in
        the phones' state as `activity.limits`, so the page scripts repeat no number."""
        return {}


class OpenSettings(_Settings):
    max_length: ClassVar[int] = OPEN_MAX_LENGTH
    max_answers: int = Field(default=1, ge=1, le=20)
    # Facilitator-only answers (the exploreervraag): see is_private.
    private: bool = False

    def limits(self) -> dict[str, int]:
        return {"text": OPEN_MAX_LENGTH, "answers": self.max_answers}


class WordcloudSettings(_Settings):
    max_length: ClassVar[int] = WORD_MAX_LENGTH
    max_entries: int = Field(default=3, ge=1, le=20)
    profanity_filter: bool = True

    def limits(self) -> dict[str, int]:
        return {"word": WORD_MAX_LENGTH, "words": self.max_entries}


class ScalesSettings(_Settings):
    statements: list[Statement] = Field(
        default_factory=lambda: list(STATEMENTS["nl"]), min_length=1, max_length=50
    )
    mode: Literal["stars", "yesno", "numeric"] = "stars"
    min: int = Field(default=1, ge=-SCALE_LIMIT, le=SCALE_LIMIT)
    max: int = Field(default=5, ge=-SCALE_LIMIT, le=SCALE_LIMIT)
    label_low: Label = LABELS["nl"][0]
    label_high: Label = LABELS["nl"][1]
    pick: int | None = Field(default=None, ge=1)  # None: rate every statement you like
    # yes/no: a statement is agreed when everyone who answered said yes ("all": the
    # waardencontract's JA = AFSPRAAK), or when more said yes than no ("majority").
    agreement: Literal["all", "majority"] = "all"

    @model_validator(mode="before")
    @classmethod
    def _yes_no_is_zero_and_one(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("mode") == "yesno":
            return {**data, "min": 0, "max": 1}  # 0 = nee, 1 = ja, whatever was stored before
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min >= self.max:
            raise ValueError(N_("min ({min}) must be below max ({max})", min=self.min, max=self.max))
        if self.mode == "stars" and not (self.min >= 1 and self.max <= STARS_MAX):
            raise ValueError(N_("stars run from 1 up to at most {n}", n=STARS_MAX))
        if self.max - self.min + 1 > SCALE_MAX_VALUES:
            raise ValueError(
                N_(
                    "a scale has at most {n} values; {min}–{max} is too wide",
                    n=SCALE_MAX_VALUES,
                    min=self.min,
                    max=self.max,
                )
            )
        if self.pick is not None and self.pick > len(self.statements):
            raise ValueError(
                N_("pick ({pick}) is more than the {n} statements", pick=self.pick, n=len(self.statements))
            )
        return self


class CheckoutSettings(_Settings):
    max_length: ClassVar[int] = WORD_MAX_LENGTH

    def limits(self) -> dict[str, int]:
        # A find's query is at most a word long (server/realtime/messages.py).
        return {"word": WORD_MAX_LENGTH, "find": WORD_MAX_LENGTH}


class ChoiceSettings(_Settings):
    options: list[Option] = Field(default_factory=lambda: list(YES_NO["nl"]), min_length=2, max_length=30)
    max_choices: int = Field(default=1, ge=1)

    def limits(self) -> dict[str, int]:
        return {"choices": self.max_choices}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max_choices > len(self.options):
            raise ValueError(
                N_(
                    "max_choices ({k}) is more than the {n} options",
                    k=self.max_choices,
                    n=len(self.options),
                )
            )
        return self


class GroupsSettings(_Settings):
    """Category Cruncher: everyone picks one category; the big screen shows who is in which group."""

    options: list[Option] = Field(default_factory=lambda: list(BREAKFAST["nl"]), min_length=2, max_length=12)
    # What the groups talk about once they have found each other, shown under the groups.
    questions: list[Statement] = Field(default_factory=list, max_length=5)


class CardsSettings(_Settings):
    """Inzichten & acties: a small card per participant (insight, action, optionally a name)."""

    insight_label: Option = CARD_LABELS["nl"][0]
    action_label: Option = CARD_LABELS["nl"][1]
    ask_name: bool = True
    private: bool = False

    def limits(self) -> dict[str, int]:
        return {"text": CARD_MAX_LENGTH, "name": CARD_NAME_MAX_LENGTH}


Settings = (
    OpenSettings
    | WordcloudSettings
    | ScalesSettings
    | CheckoutSettings
    | ChoiceSettings
    | GroupsSettings
    | CardsSettings
)
SETTINGS: dict[Kind, type[Settings]] = {
    "open": OpenSettings,
    "wordcloud": WordcloudSettings,
    "scales": ScalesSettings,
    "checkout": CheckoutSettings,
    "choice": ChoiceSettings,
    "groups": GroupsSettings,
    "cards": CardsSettings,
}


def is_private(settings: Settings) -> bool:
    """Answers only the facilitator sees by default. A private activity starts, and when made
    private goes back to, with its results hidden on the big screen and on the phones; only the
    facilitator's explicit "results on screen" / "results on phones" switch on the remote shows them.
    The wrap-up report leaves them out unless the facilitator includes them."""
    return isinstance(settings, OpenSettings | CardsSettings) and settings.private


def settings_for(kind: Kind, raw: Mapping[str, object] | None) -> Settings:
    """Parse and check an activity's settings; anything wrong is one readable invalid_settings."""
    model = SETTINGS.get(kind)
    if model is None:
        raise DomainError(
            Code.UNKNOWN_KIND, f"Unknown activity kind {kind!r}; use one of {', '.join(KINDS)}."
        )
    if raw is not None and not isinstance(raw, Mapping):
        raise DomainError(
            Code.INVALID_SETTINGS, N_("Settings for a {kind} activity must be an object.", kind=kind)
        )
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors(include_url=False)]
        said = problems[0]
        for problem in problems[1:3]:
            said = N_("{first}; {then}", first=said, then=problem)
        raise DomainError(
            Code.INVALID_SETTINGS,
            N_("Invalid {kind} settings: {problems}.", kind=kind, problems=said),
            problems=[str(problem) for problem in problems],
        ) from None


# pydantic's words for the refusals settings meet, as catalogue messages: said in English exactly as
# pydantic says them, and in the language a page asks for (see server/text.py).
_PYDANTIC: dict[str, Text] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "string_type": N_("Input should be a valid string"),
    "list_type": N_("Input should be a valid list"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "too_short": N_(
        "{field_type} should have at least {min_length} items after validation, not {actual_length}"
    ),
    "too_long": N_(
        "{field_type} should have at most {max_length} items after validation, not {actual_length}"
    ),
}
# ... and for a limit of one ("at least 1 item").
_PYDANTIC_ONE: dict[str, Text] = {
    "string_too_short": N_("String should have at least {min_length} character"),
    "string_too_long": N_("String should have at most {max_length} character"),
    "too_short": N_(
        "{field_type} should have at least {min_length} item after validation, not {actual_length}"
    ),
    "too_long": N_(
        "{field_type} should have at most {max_length} item after validation, not {actual_length}"
    ),
}


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = _said(error)
    return N_("{where}: {problem}", where=where, problem=message) if where else message


def _said(error: Mapping[str, Any]) -> str:
    """pydantic's message, as a Text where the catalogue has its words (else as it is, English)."""
    english = str(error["msg"]).removeprefix("Value error, ")
    context = dict(error.get("ctx") or {})
    original = context.get("error")
    if error["type"] == "value_error" and isinstance(original, ValueError) and original.args:
        reason = original.args[0]
        return reason if isinstance(reason, Text) and str(reason) == english else english
    for table in (_PYDANTIC, _PYDANTIC_ONE):
        known = table.get(str(error["type"]))
        if known is not None and str(said := Text(known.msgid, **context)) == english:
            return said
    return english  # a refusal (or a wording of this pydantic) the catalogue does not have


def default_settings(kind: Kind, language: Language = "nl") -> Settings:
    """The settings a new activity starts with, in the meeting's language."""
    if kind == "scales":
        low, high = LABELS[language]
        return ScalesSettings(statements=list(STATEMENTS[language]), label_low=low, label_high=high)
    if kind == "choice":
        return ChoiceSettings(options=list(YES_NO[language]))
    if kind == "groups":
        return GroupsSettings(options=list(BREAKFAST[language]))
    if kind == "cards":
        insight, action = CARD_LABELS[language]
        return CardsSettings(insight_label=insight, action_label=action)
    return settings_for(kind, None)


# -- answers ----------------------------------------------------------------------------------

_S = TypeVar("_S", bound=_Settings)


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
    """The payload to store, normalised, or a DomainError naming what is wrong with it (its shape,
    or what the participant already holds: ``own``, and the words in ``tally``)."""
    stored = normalise_answer(kind, settings, slot, payload)
    target = step_in_target(slot) if kind == "checkout" else None
    refusal = answer_conflict(
        slot,
        pick=settings.pick if isinstance(settings, ScalesSettings) else None,
        held=own,
        participant=participant,
        owner=tally.owner_of(target) if target is not None else None,
    )
    if refusal is not None:
        raise refusal
    return stored


def normalise_answer(
    kind: Kind, settings: Settings, slot: str, payload: Mapping[str, object]
) -> dict[str, object]:
    """The payload to store, normalised, or a DomainError naming what is wrong with its shape.

    Depends on nothing but the activity's settings: a resend of a stored answer normalises to the
    same payload whatever happened since, so it can be recognised as a resend before the state
    (see ``answer_conflict``) is asked whether it still fits."""
    if not isinstance(payload, Mapping):
        raise DomainError(Code.WRONG_KIND, f"A {kind} answer must be an object.")
    if kind == "open":
        _index_slot(slot, _expect(settings, OpenSettings).max_answers, "answer")
        text = _text(_fields(kind, payload, "text"), kind, max_length=OPEN_MAX_LENGTH, allow_newlines=True)
        return {"text": text}
    if kind == "wordcloud":
        _index_slot(slot, _expect(settings, WordcloudSettings).max_entries, "word")
        return {"word": _word(_fields(kind, payload, "word"), kind)}
    if kind == "scales":
        return _scales(_expect(settings, ScalesSettings), slot, payload)
    if kind == "checkout":
        _expect(settings, CheckoutSettings)
        if slot == "word":
            return {"word": _word(_fields(kind, payload, "word"), kind)}
        _step_in_slot(slot)
        _fields(kind, payload)
        return {}
    if kind == "choice":
        return _choice(_expect(settings, ChoiceSettings), slot, payload)
    if kind == "groups":
        return _groups(_expect(settings, GroupsSettings), slot, payload)
    if kind == "cards":
        return _card(_expect(settings, CardsSettings), slot, payload)
    raise DomainError(Code.UNKNOWN_KIND, f"Unknown activity kind {kind!r}.")


def step_in_target(slot: str) -> int | None:
    """The word a check-out step-in slot (``in:<entry id>``) names; None for any other slot."""
    prefix, colon, number = slot.partition(":")
    return _number(number) if prefix == "in" and colon else None


def answer_conflict(
    slot: str,
    *,
    pick: int | None,
    held: Collection[str],
    participant: int,
    owner: int | None,
) -> DomainError | None:
    """Why a well-formed answer does not fit what is stored now, or None.

    ``pick``: a scales activity's limit of rated statements; ``held``: the slots the participant
    holds in the activity; ``owner``: for a step-in, who holds the word it names (None: no word).
    Asked when the answer's batch is written, after resends were recognised."""
    target = step_in_target(slot)
    if target is not None:
        if owner is None:
            return DomainError(
                Code.UNKNOWN_WORD, "That word is not (or no longer) in the circle.", entry=target
            )
        if owner == participant:
            return DomainError(Code.OWN_WORD, "You cannot step in on your own word.", entry=target)
        if slot in held:
            return DomainError(Code.ALREADY_STEPPED_IN, "You already stepped in on this word.", entry=target)
        return None
    # Changing a rating never costs a pick; rating one more statement does.
    if pick is not None and slot not in held and len(held) + 1 > pick:
        return DomainError(
            Code.TOO_MANY_PICKS,
            f"You may rate {pick} of the statements; withdraw a rating to rate this one.",
            pick=pick,
        )
    return None


def validate_withdraw(kind: Kind, settings: Settings, slot: str) -> None:
    """Refuse to withdraw a slot that cannot exist for this activity (invalid_slot)."""
    if kind == "open":
        _index_slot(slot, _expect(settings, OpenSettings).max_answers, "answer")
    elif kind == "wordcloud":
        _index_slot(slot, _expect(settings, WordcloudSettings).max_entries, "word")
    elif kind == "scales":
        _index_slot(slot, len(_expect(settings, ScalesSettings).statements), "statement")
    elif kind == "checkout":
        if slot != "word":
            _step_in_slot(slot)
    elif kind in ("choice", "groups", "cards"):
        _index_slot(slot, 1, kind.removesuffix("s"))
    else:
        raise DomainError(Code.UNKNOWN_KIND, f"Unknown activity kind {kind!r}.")


def _scales(settings: ScalesSettings, slot: str, payload: Mapping[str, object]) -> dict[str, object]:
    count = len(settings.statements)
    if _number(slot) is None:
        raise DomainError(Code.INVALID_SLOT, f"Slot {slot!r} is not a statement number.", slot=slot)
    if int(slot) >= count:
        raise DomainError(
            Code.UNKNOWN_STATEMENT, f"There is no statement {slot}; use 0 to {count - 1}.", slot=slot
        )
    value = _whole_number(_fields("scales", payload, "value"), "scales")
    if not settings.min <= value <= settings.max:
        raise DomainError(
            Code.VALUE_OUT_OF_RANGE,
            f"Value {value} is outside the scale {settings.min} to {settings.max}.",
            value=value,
            min=settings.min,
            max=settings.max,
        )
    return {"value": value}


def _choice(settings: ChoiceSettings, slot: str, payload: Mapping[str, object]) -> dict[str, object]:
    _index_slot(slot, 1, "choice")
    picked = _fields("choice", payload, "options")
    if not isinstance(picked, list | tuple):
        raise DomainError(Code.WRONG_KIND, "A choice answer's options must be a list of option numbers.")
    if not picked:
        raise DomainError(Code.NO_OPTION, "Choose at least one option.")
    count = len(settings.options)
    indices = [_whole_number(option, "choice") for option in picked]
    for index in indices:
        if not 0 <= index < count:
            raise DomainError(
                Code.UNKNOWN_OPTION, f"There is no option {index}; use 0 to {count - 1}.", option=index
            )
    if len(set(indices)) != len(indices):
        raise DomainError(Code.WRONG_KIND, "Each option may be chosen only once.")
    if len(indices) > settings.max_choices:
        plural = "option" if settings.max_choices == 1 else "options"
        raise DomainError(
            Code.TOO_MANY_OPTIONS,
            f"Choose at most {settings.max_choices} {plural}; you chose {len(indices)}.",
            maximum=settings.max_choices,
        )
    return {"options": sorted(indices)}


def _groups(settings: GroupsSettings, slot: str, payload: Mapping[str, object]) -> dict[str, object]:
    _index_slot(slot, 1, "group")
    index = _whole_number(_fields("groups", payload, "option"), "groups")
    count = len(settings.options)
    if not 0 <= index < count:
        raise DomainError(
            Code.UNKNOWN_OPTION, f"There is no group {index}; use 0 to {count - 1}.", option=index
        )
    return {"option": index}


def _card(settings: CardsSettings, slot: str, payload: Mapping[str, object]) -> dict[str, object]:
    _index_slot(slot, 1, "card")
    allowed = {"insight", "action", "name"} if settings.ask_name else {"insight", "action"}
    if not {"insight", "action"} <= set(payload) <= allowed:
        want = "insight, action and optionally name" if settings.ask_name else "insight and action"
        got = ", ".join(repr(str(key)[:20]) for key in list(payload)[:4]) or "nothing"
        raise DomainError(Code.WRONG_KIND, f"A card has {want}; got {got}.")
    card: dict[str, object] = {
        field: _text(payload[field], "cards", max_length=CARD_MAX_LENGTH, allow_newlines=True)
        for field in ("insight", "action")
    }
    name = payload.get("name")
    blank = name is None or (isinstance(name, str) and not name.strip())
    card["name"] = (
        None if blank else _text(name, "cards", max_length=CARD_NAME_MAX_LENGTH, allow_newlines=False)
    )
    return card


def _expect(settings: Settings, model: type[_S]) -> _S:
    if not isinstance(settings, model):
        raise TypeError(f"{model.__name__} expected, got {type(settings).__name__}")
    return settings


def _fields(kind: str, payload: Mapping[str, object], name: str | None = None) -> object:
    """The payload's one field (or none at all); any other shape is the wrong kind of answer."""
    expected = {name} if name else set()
    if set(payload) != expected:
        want = f"exactly the field {name!r}" if name else "no fields"
        got = ", ".join(repr(str(key)[:20]) for key in list(payload)[:4]) or "nothing"
        raise DomainError(Code.WRONG_KIND, f"A {kind} answer has {want}; got {got}.")
    return payload[name] if name else None


def _text(value: object, kind: str, *, max_length: int, allow_newlines: bool) -> str:
    if not isinstance(value, str):
        raise DomainError(Code.WRONG_KIND, f"A {kind} answer takes text, not {type(value).__name__}.")
    return clean_text(value, max_length=max_length, allow_newlines=allow_newlines)


def _word(value: object, kind: str) -> str:
    return _text(value, kind, max_length=WORD_MAX_LENGTH, allow_newlines=False)


def _whole_number(value: object, kind: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):  # True is an int to Python, not to us
        raise DomainError(
            Code.WRONG_KIND, f"A {kind} answer takes whole numbers, not {type(value).__name__}."
        )
    return value


def _number(text: str) -> int | None:
    """A slot number in its one canonical spelling ('3', never '03' or '٣'): slots are unique keys."""
    if not (text.isascii() and text.isdigit() and len(text) <= 18) or (text[0] == "0" and text != "0"):
        return None
    return int(text)


def _index_slot(slot: str, count: int, what: str) -> int:
    index = _number(slot)
    if index is None or index >= count:
        choices = "'0'" if count == 1 else f"'0' to '{count - 1}'"
        raise DomainError(
            Code.INVALID_SLOT, f"Slot {slot!r} does not exist; a {what} uses {choices}.", slot=slot
        )
    return index


def _step_in_slot(slot: str) -> int:
    prefix, colon, number = slot.partition(":")
    entry_id = _number(number) if prefix == "in" and colon else None
    if entry_id is None:
        raise DomainError(
            Code.INVALID_SLOT,
            f"Slot {slot!r} does not exist; use 'word', or 'in:<entry id>' to step in on a word.",
            slot=slot,
        )
    return entry_id

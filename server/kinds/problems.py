"""Settings parsed for a kind, every refusal one readable invalid_settings in the catalogue's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from server.domain.errors import Code, DomainError
from server.kinds.base import KindSettings
from server.text import N_, Text


def parse(name: str, model: type[KindSettings], raw: Mapping[str, object] | None) -> KindSettings:
    """Parse and check an activity's settings; anything wrong is one readable invalid_settings."""
    if raw is not None and not isinstance(raw, Mapping):
        raise DomainError(
            Code.INVALID_SETTINGS, N_("Settings for a {kind} activity must be an object.", kind=name)
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
            N_("Invalid {kind} settings: {problems}.", kind=name, problems=said),
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

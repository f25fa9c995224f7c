"""What a facilitator's moderation action does to an activity's moderation: which actions exist,
which apply to which kind, and what each needs. Pure: the caller loads and stores the row."""

from __future__ import annotations

from server import kinds
from server.domain.errors import Code, DomainError
from server.kinds import Moderation

MODERATION_ACTIONS = (
    "highlight",
    "unhighlight",
    "hide",
    "unhide",
    "hide_word",
    "unhide_word",
    "merge_words",
    "unmerge_word",
    "profanity_filter",
)


def apply_moderation(
    moderation: Moderation,
    kind: str,
    action: str,
    *,
    entry_id: int | None,
    key: str | None,
    into: str | None,
    on: bool | None,
) -> None:
    if action not in MODERATION_ACTIONS:
        raise DomainError(
            Code.UNKNOWN_ACTION,
            f"Unknown moderation action {action!r}; use one of {', '.join(MODERATION_ACTIONS)}.",
        )
    if action not in kinds.get(kind).moderation:
        raise DomainError(Code.WRONG_KIND, f"{action!r} does not apply to a {kind} activity.")
    if action in ("highlight", "unhighlight", "hide", "unhide"):
        if entry_id is None:
            raise DomainError(Code.MISSING_FIELD, f"{action!r} needs the answer's entry_id.")
        target = moderation.highlighted if "highlight" in action else moderation.hidden_entries
        (target.discard if action.startswith("un") else target.add)(entry_id)
    elif action in ("hide_word", "unhide_word", "unmerge_word"):
        if not key:
            raise DomainError(Code.MISSING_FIELD, f"{action!r} needs the word's key.")
        if action == "hide_word":
            moderation.hidden_words.add(key)
        elif action == "unhide_word":
            moderation.hidden_words.discard(key)
        else:
            moderation.merges.pop(key, None)
    elif action == "merge_words":
        if not key or not into:
            raise DomainError(Code.MISSING_FIELD, "'merge_words' needs 'key' and 'into'.")
        if key == into:
            raise DomainError(Code.INVALID_MERGE, "A word cannot be merged into itself.")
        moderation.merges[key] = into
    else:  # profanity_filter
        if on is None:
            raise DomainError(Code.MISSING_FIELD, "'profanity_filter' needs 'on': true or false.")
        moderation.profanity_filter_off = not on

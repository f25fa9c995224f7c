"""Live reactions: the set a meeting offers, and the taps of one tick counted into a burst."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from server.domain.errors import Code, DomainError
from server.text import N_

# Every reaction Kring ships an SVG for (web/static/img/reactions/<name>.svg), with the emoji it
# stands for; a meeting offers some of them.
REACTIONS: dict[str, str] = {
    "thumbs_up": "\U0001f44d",
    "heart": "\u2764\ufe0f",
    "laugh": "\U0001f602",
    "wow": "\U0001f62e",
    "clap": "\U0001f44f",
    "question": "\u2753",
    "idea": "\U0001f4a1",
    "star": "\u2b50",
    "check": "\u2705",
    "thinking": "\U0001f914",
}
DEFAULT_SET: tuple[str, ...] = ("thumbs_up", "heart", "laugh", "wow", "clap", "question")
MAX_SET = 8


def reaction_set(names: Iterable[str]) -> list[str]:
    """A meeting's own set: one to MAX_SET known names, each once, in the host's order."""
    chosen = list(names)
    unknown = [n for n in chosen if n not in REACTIONS]
    if unknown:
        raise DomainError(
            Code.UNKNOWN_REACTION,
            N_("Unknown reaction {name}; choose from {known}.", name=unknown[0], known=", ".join(REACTIONS)),
        )
    if not chosen or len(chosen) > MAX_SET or len(set(chosen)) != len(chosen):
        raise DomainError(
            Code.INVALID_REACTION_SET,
            N_("A reaction set has 1 to {n} different reactions.", n=MAX_SET),
            maximum=MAX_SET,
        )
    return chosen


class Burst:
    """The taps since the last frame, per reaction; and per (activity, reaction) since the last
    save, for the report. Taps are counted, never sent one by one."""

    def __init__(self) -> None:
        self.pending: Counter[str] = Counter()
        self.unsaved: Counter[tuple[int | None, str]] = Counter()

    def add(self, name: str, activity_id: int | None) -> None:
        self.pending[name] += 1
        self.unsaved[(activity_id, name)] += 1

    def take(self) -> dict[str, int] | None:
        if not self.pending:
            return None
        taken = dict(self.pending)
        self.pending.clear()
        return taken

    def take_unsaved(self) -> dict[tuple[int | None, str], int]:
        taken = dict(self.unsaved)
        self.unsaved.clear()
        return taken

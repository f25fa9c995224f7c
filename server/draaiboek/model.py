"""The draaiboek template model: a facilitator's run sheet as plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from server.text import N_, Text

FORMAT = "kring-draaiboek/1"


@dataclass(frozen=True, slots=True)
class ActivitySpec:
    """A poll inside a block; ``settings`` are kept as written (checked with ``settings_for``)."""

    kind: str  # one of server.kinds.KINDS
    prompt: str
    settings: dict[str, Any]
    show_results_presenter: bool = True
    show_results_phones: bool = False
    # The same measurement in every meeting of a series (server/services/series.py): before/after.
    link: str | None = None


@dataclass(frozen=True, slots=True)
class BlockSpec:
    """One row of the run sheet: onderdeel, duur, doel, werkvorm, wie, materialen."""

    title: str
    duration_minutes: int  # 1..1440
    start_time: str | None = None  # "HH:MM"
    goal: str = ""
    description: str = ""
    who: str = ""
    materials: str = ""
    essential: bool = True
    is_break: bool = False
    self_paced: bool = False  # the activities run as one questionnaire, each phone at its own pace
    activities: tuple[ActivitySpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A blank the facilitator fills in, written as ``{{name}}`` in any text of the template."""

    name: str
    label: str
    default: str | None = None  # None: a value is required


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    title: str
    language: Literal["nl", "en"]
    description: str
    theme: str
    placeholders: tuple[Placeholder, ...]
    blocks: tuple[BlockSpec, ...]
    preparation: str = ""


class TemplateError(ValueError):
    """A template that cannot be used: which file, which line (1-based, or None) and what is wrong.

    ``str()`` is the English message; ``message`` is the same as a Text, to be said in the language
    of the page that asked (``server.i18n.say``), as is ``problem`` when the loader made it one."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}:{line}" if line is not None else source
        self.message: Text = N_("{where}: {problem}", where=where, problem=problem)
        super().__init__(str(self.message))

"""Self-paced questionnaires (vragenlijst): a sequence of activities that each phone goes through
at its own pace, and where every phone is in it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.domain.errors import Code, DomainError

MIN_STEPS = 2
MAX_STEPS = 30


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """An open questionnaire: its id and its steps, activity ids in the order phones go through."""

    id: int
    steps: tuple[int, ...]

    @property
    def length(self) -> int:
        return len(self.steps)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "steps": list(self.steps)}


def check_steps(activity_ids: Sequence[int], known: Iterable[int]) -> tuple[int, ...]:
    """The steps of a questionnaire to open, or why they cannot be one."""
    steps = tuple(activity_ids)
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise DomainError(
            Code.INVALID_QUESTIONNAIRE,
            f"A questionnaire has {MIN_STEPS} to {MAX_STEPS} activities; this one has {len(steps)}.",
        )
    if len(set(steps)) != len(steps):
        raise DomainError(Code.INVALID_QUESTIONNAIRE, "A questionnaire lists each activity once.")
    missing = sorted(set(steps) - set(known))
    if missing:
        raise DomainError(Code.UNKNOWN_ACTIVITY, f"There is no activity {missing[0]} in this meeting.")
    return steps


def check_step(questionnaire: Questionnaire | None, questionnaire_id: int, step: int) -> Questionnaire:
    """The questionnaire a phone moves in, or why it cannot: step ``length`` is the end ("klaar")."""
    if questionnaire is None or questionnaire.id != questionnaire_id:
        raise DomainError(Code.QUESTIONNAIRE_CLOSED, "This questionnaire is not open (any more).")
    if not 0 <= step <= questionnaire.length:
        raise DomainError(
            Code.INVALID_STEP, f"Step {step} is not in this questionnaire (0 to {questionnaire.length})."
        )
    return questionnaire


@dataclass(slots=True)
class PaceBoard:
    """Where each phone is in the open questionnaire: participant -> (step, furthest step)."""

    questionnaire: Questionnaire | None = None
    where: dict[int, tuple[int, int]] = field(default_factory=dict)

    def move(self, participant: int, step: int) -> tuple[int, int]:
        """The phone is on ``step`` now; the furthest it got only grows."""
        _, furthest = self.where.get(participant, (0, 0))
        moved = (step, max(furthest, step))
        self.where[participant] = moved
        return moved

    def put(self, participant: int, step: int, furthest: int) -> None:
        """A position as stored (from the database or another worker): furthest never shrinks."""
        _, held = self.where.get(participant, (0, 0))
        self.where[participant] = (step, max(held, furthest))

    def step_of(self, participant: int) -> int:
        return self.where.get(participant, (0, 0))[0]

    def progress(self) -> dict[str, Any]:
        """How many phones started, are on each step, got past each step, and finished."""
        length = self.questionnaire.length if self.questionnaire else 0
        on = [0] * (length + 1)
        done = [0] * length
        for step, furthest in self.where.values():
            on[min(step, length)] += 1
            for i in range(min(furthest, length)):
                done[i] += 1
        return {
            "started": len(self.where),
            "done": done,
            "on": on[:length],
            "completed": sum(1 for _, furthest in self.where.values() if length and furthest >= length),
        }


def completion(steps: Sequence[int], furthest: Iterable[int]) -> dict[str, Any]:
    """Completion counts of a questionnaire as run (exports and report): per step, how many got
    past it; and how many started and reached the end."""
    length = len(steps)
    done = [0] * length
    started = completed = 0
    for far in furthest:
        started += 1
        completed += far >= length
        for i in range(min(far, length)):
            done[i] += 1
    return {"steps": list(steps), "started": started, "completed": completed, "done": done}

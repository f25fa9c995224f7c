"""A template's self-paced blocks (``self_paced: true``): which blocks can run as a questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.domain.pace import MAX_STEPS, MIN_STEPS
from server.kinds import get
from server.text import N_, Text


def self_paced_problem(block: Mapping[str, Any], where: str) -> tuple[tuple[str | int, ...], Text] | None:
    """Why a block marked self-paced cannot be a questionnaire (the path under the block, and the
    problem), or None when it can."""
    activities: list[Mapping[str, Any]] = list(block.get("activities", []))
    if block.get("break"):
        return ("self_paced",), N_("{where}: a break has no questionnaire; leave self_paced out", where=where)
    if not MIN_STEPS <= len(activities) <= MAX_STEPS:
        said = N_(
            "{where}: a self-paced block has {low} to {high} activities (its questionnaire's steps), "
            "this one has {n}",
            where=where,
            low=MIN_STEPS,
            high=MAX_STEPS,
            n=len(activities),
        )
        return ("self_paced",), said
    for j, activity in enumerate(activities):
        if get(str(activity["kind"])).results_on_phones_always:
            place = f"{where}.activities[{j}]"
            said = N_(
                "{where}: a {kind} cannot be self-paced: phones take part in it through what the whole "
                "room answers at the same moment; move it to a block of its own",
                where=place,
                kind=activity["kind"],
            )
            return ("activities", j, "kind"), said
    return None

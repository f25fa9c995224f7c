"""The groups tally (Category Cruncher): who is in which group, by nickname."""

from __future__ import annotations

from collections.abc import Mapping
from heapq import nsmallest
from typing import ClassVar

from server.domain.activities import GroupsSettings, Kind, Settings
from server.domain.tallies.base import Audience, Change, Tally, int_field
from server.domain.tallies.bounds import GROUP_MEMBERS
from server.domain.tallies.moderation import Moderation


class GroupsTally(Tally):
    kind: ClassVar[Kind] = "groups"

    def __init__(self) -> None:
        super().__init__()
        # entry id -> (participant, group, nickname): the big screen lists people by name so that
        # they can find each other in the room.
        self._members: dict[int, tuple[int, int, str | None]] = {}

    def owner_of(self, entry_id: int) -> int | None:
        member = self._members.get(entry_id)
        return member[0] if member else None

    def _add(self, change: Change, payload: Mapping[str, object]) -> None:
        self._members[change.entry_id] = (change.participant, int_field(payload, "option"), change.nickname)

    def _remove(self, change: Change, payload: Mapping[str, object]) -> None:
        self._members.pop(change.entry_id, None)

    def _snapshot(self, settings: Settings, moderation: Moderation, audience: Audience) -> dict[str, object]:
        if not isinstance(settings, GroupsSettings):
            raise TypeError(f"GroupsSettings expected, got {type(settings).__name__}")
        by_group: dict[int, list[tuple[str, int, str | None]]] = {}
        for entry_id, (_, group, nickname) in self._members.items():
            by_group.setdefault(group, []).append(((nickname or "").casefold(), entry_id, nickname))
        phone = audience == "participant"
        groups: list[dict[str, object]] = []
        for index, text in enumerate(settings.options):
            members = sorted(by_group.get(index, []))
            count = len(members)
            if phone:  # a bounded list, names before the anonymous; the count is the whole group
                members = nsmallest(GROUP_MEMBERS, members, key=lambda m: (m[2] is None, m))
            groups.append(
                {
                    "index": index,
                    "text": text,
                    "count": count,
                    # null stands for somebody without a nickname; screens show "anoniem".
                    "members": [nickname for _, _, nickname in members],
                }
            )
        return {"groups": groups, "questions": list(settings.questions)}

    def _state(self) -> object:
        return sorted(self._members.items(), key=lambda item: (item[0], repr(item[1])))

"""Groups (the Category Cruncher): everyone picks one category; the big screen shows who is where."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from heapq import nsmallest
from typing import Any, ClassVar

from pydantic import Field

from server.domain.errors import Code, DomainError
from server.kinds.base import (
    ActivityKind,
    Audience,
    Cell,
    Change,
    Entry,
    Item,
    KindSettings,
    ReportContext,
    Results,
    Say,
    Tally,
    expect,
    int_field,
    items,
    pick_text,
)
from server.kinds.bounds import GROUP_MEMBERS
from server.kinds.choice import bars_section
from server.kinds.fields import Option, Statement, fields, index_slot, whole_number
from server.kinds.moderation import Moderation
from server.text import C_, N_

# The run sheet's Category Cruncher, first round: groups by favourite breakfast.
BREAKFAST = (N_("Porridge"), N_("Yoghurt"), N_("Bread"), N_("Just coffee"))


class GroupsSettings(KindSettings):
    """Category Cruncher: everyone picks one category; the big screen shows who is in which group."""

    options: list[Option] = Field(
        default_factory=lambda: [str(option) for option in BREAKFAST], min_length=2, max_length=12
    )
    # What the groups talk about once they have found each other, shown under the groups.
    questions: list[Statement] = Field(default_factory=list, max_length=5)


class Group(Item):
    index: int
    text: str
    count: int
    members: list[str | None]  # null: somebody without a nickname


class GroupsResults(Results):
    groups: list[Group]
    questions: list[str]


class GroupsTally(Tally):
    kind: ClassVar[str] = "groups"

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

    def _snapshot(self, settings: KindSettings, moderation: Moderation, audience: Audience) -> GroupsResults:
        if not isinstance(settings, GroupsSettings):
            raise TypeError(f"GroupsSettings expected, got {type(settings).__name__}")
        by_group: dict[int, list[tuple[str, int, str | None]]] = {}
        for entry_id, (_, group, nickname) in self._members.items():
            by_group.setdefault(group, []).append(((nickname or "").casefold(), entry_id, nickname))
        phone = audience == "participant"
        groups: list[Group] = []
        for index, text in enumerate(settings.options):
            members = sorted(by_group.get(index, []))
            count = len(members)
            if phone:  # a bounded list, names before the anonymous; the count is the whole group
                members = nsmallest(GROUP_MEMBERS, members, key=lambda m: (m[2] is None, m))
            # null stands for somebody without a nickname; screens show "anoniem".
            names = [nickname for _, _, nickname in members]
            groups.append(Group(index=index, text=text, count=count, members=names))
        return GroupsResults(**self.counts(), groups=groups, questions=list(settings.questions))

    def _state(self) -> object:
        return sorted(self._members.items(), key=lambda item: (item[0], repr(item[1])))


class Groups(ActivityKind):
    name = "groups"
    label = C_("kind", "Groups")
    prompt = N_("Groups: what is your favourite breakfast?")
    settings = GroupsSettings
    tally = GroupsTally
    results: ClassVar[Mapping[Audience, type[Results]]] = {
        "presenter": GroupsResults,
        "host": GroupsResults,
        "participant": GroupsResults,
    }
    export_columns = (N_("Group"),)
    payload_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["option"],
        "properties": {"option": {"type": "integer", "minimum": 0}},
    }
    results_on_phones_always = True  # a phone shows its group and who else is in it

    def defaults(self, say: Say) -> KindSettings:
        return GroupsSettings(options=[say(option) for option in BREAKFAST])

    def _normalise(
        self, settings: KindSettings, slot: str, payload: Mapping[str, object]
    ) -> dict[str, object]:
        index_slot(slot, 1, "group")
        index = whole_number(fields(self.name, payload, "option"), self.name)
        count = len(expect(settings, GroupsSettings).options)
        if not 0 <= index < count:
            raise DomainError(
                Code.UNKNOWN_OPTION, f"There is no group {index}; use 0 to {count - 1}.", option=index
            )
        return {"option": index}

    def validate_withdraw(self, settings: KindSettings, slot: str) -> None:
        index_slot(slot, 1, "group")

    def phone_payload(self, settings: KindSettings) -> dict[str, int]:
        return {}  # the options themselves are the limit

    def export_row(
        self,
        entry: Entry,
        settings: Mapping[str, Any],
        by_number: Callable[[int], Entry | None],
        say: Say,
    ) -> list[Cell]:
        return [pick_text(settings.get("options"), entry.payload.get("option"))]

    def report_section(
        self, base: dict[str, Any], results: Mapping[str, Any], ctx: ReportContext
    ) -> dict[str, Any] | None:
        return bars_section(base, items(results.get("groups")), results, ctx, percent=False, members=True)

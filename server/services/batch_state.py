"""What one batch of answers reads and changes: its slots, applied op by op in arrival order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, select
from sqlmodel import Session, col

from server.db.engine import is_sqlite
from server.db.tables import Answer
from server.kinds.fields import STEP_IN_PREFIX, WORD_SLOT, answer_conflict, step_in_target

if TYPE_CHECKING:
    from server.services.answers import OpResult

Key = tuple[int, int, str]  # activity, participant, slot

_ROW = Answer.__table__.c  # type: ignore[attr-defined]
ROW_COLUMNS = select(_ROW.id, _ROW.participant_id, _ROW.slot, _ROW.payload, _ROW.client_id, _ROW.rev)
LOAD_ROWS = ROW_COLUMNS.where(
    _ROW.activity_id == bindparam("activity"),
    _ROW.participant_id.in_(bindparam("participants", expanding=True)),
)
LOAD_ROWS_FOR_UPDATE = LOAD_ROWS.with_for_update()


@dataclass(slots=True, eq=False)
class Row:
    """An answer row as the batch sees it: loaded (``id`` set) or born in this batch."""

    id: int | None
    payload: dict[str, Any]
    client_id: str
    nickname: str | None = None
    rev: int = 0
    alive: bool = True  # False: born in this batch and withdrawn again before its end


@dataclass(slots=True)
class Slot:
    """One slot through the batch: the row it held before, and the row it holds now."""

    initial: Row | None
    before: dict[str, Any] | None  # the initial row's payload as loaded
    live: Row | None
    ended: bool = False  # the initial row was withdrawn (directly, or with the word it stepped in on)


@dataclass
class BatchState:
    """Applies a batch's ops in order against the rows they touch, checking each against what the
    ops before it left; the writes are computed from the net result (see ``commit_batch``).

    Loaded up front: every row of the participants in the batch (their slots, for ``pick``), the
    words that step-ins name (who owns them), and the step-ins on words that may be withdrawn."""

    slots: dict[Key, Slot] = field(default_factory=dict)
    held: dict[tuple[int, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    words: dict[tuple[int, int], int] = field(default_factory=dict)  # (activity, entry) -> owner
    born: list[tuple[Key, Row]] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, fresh: list[OpResult]) -> BatchState:
        state = cls()
        locking = not is_sqlite(str(session.get_bind().engine.url))
        by_activity: dict[int, set[int]] = defaultdict(set)
        targets: dict[int, set[int]] = defaultdict(set)
        for result in fresh:
            op = result.op
            by_activity[op.activity_id].add(op.participant_id)
            target = step_in_target(op.slot) if op.op == "answer" else None
            if target is not None:
                targets[op.activity_id].add(target)
        withdrawn = {
            (r.op.activity_id, r.op.participant_id, r.op.slot) for r in fresh if r.op.op == "withdraw"
        }
        # Other databases serialise concurrent writers (workers) on the rows being replaced.
        query = LOAD_ROWS_FOR_UPDATE if locking else LOAD_ROWS
        for activity_id, participants in by_activity.items():
            for chunk in _chunks(sorted(participants), 500):
                for row in session.execute(query, {"activity": activity_id, "participants": chunk}):
                    state._add((activity_id, int(row[1]), str(row[2])), row)
        words = [
            (key[0], slot.initial.id)
            for key, slot in state.slots.items()
            if key[2] == WORD_SLOT and key in withdrawn and slot.initial is not None
        ]
        state._load_step_ins(session, words, locking)
        state._load_words(session, targets, locking)
        return state

    def _add(self, key: Key, row: Any) -> None:
        if key in self.slots:
            return
        loaded = Row(int(row[0]), dict(row[3]), str(row[4]), rev=int(row[5]))
        self.slots[key] = Slot(loaded, dict(loaded.payload), loaded)
        self.held[(key[0], key[1])].add(key[2])

    def _load_step_ins(self, session: Session, words: list[tuple[int, int | None]], locking: bool) -> None:
        """The step-ins on words this batch may withdraw: they go along with their word."""
        by_activity: dict[int, list[str]] = defaultdict(list)
        for activity_id, entry_id in words:
            by_activity[activity_id].append(f"{STEP_IN_PREFIX}{entry_id}")
        for activity_id, slots in by_activity.items():
            for chunk in _chunks(slots, 500):
                query = select(
                    _ROW.id, _ROW.participant_id, _ROW.slot, _ROW.payload, _ROW.client_id, _ROW.rev
                ).where(and_(_ROW.activity_id == activity_id, _ROW.slot.in_(chunk)))
                for row in session.execute(query.with_for_update() if locking else query):
                    self._add((activity_id, int(row[1]), str(row[2])), row)

    def _load_words(self, session: Session, targets: dict[int, set[int]], locking: bool) -> None:
        """Who owns each word a step-in names; a shared lock keeps it from being withdrawn by
        another worker until this batch is committed (its withdrawal then takes the step-in along)."""
        for activity_id, entries in targets.items():
            for chunk in _chunks(sorted(entries), 500):
                query = select(col(Answer.id), col(Answer.participant_id)).where(
                    and_(
                        col(Answer.activity_id) == activity_id,
                        col(Answer.slot) == WORD_SLOT,
                        col(Answer.id).in_(chunk),
                    )
                )
                for entry_id, owner in session.execute(
                    query.with_for_update(read=True) if locking else query
                ):
                    self.words[(activity_id, int(entry_id))] = int(owner)

    # -- applying ------------------------------------------------------------------------------

    def apply(self, result: OpResult) -> Row | None:
        """One op, on top of those before it: the row an answer went to (None: a withdrawal, or
        a conflict, which becomes the result's error and changes nothing)."""
        op = result.op
        key = (op.activity_id, op.participant_id, op.slot)
        slot = self.slots.get(key)
        if slot is None:
            slot = self.slots[key] = Slot(None, None, None)
        held = self.held[(op.activity_id, op.participant_id)]
        result.payload = op.payload
        if op.op == "withdraw":
            self._end(key, slot)
            return None
        assert op.payload is not None
        target = step_in_target(op.slot)
        refusal = answer_conflict(
            op.slot,
            pick=op.pick,
            held=held,
            participant=op.participant_id,
            owner=self.words.get((op.activity_id, target)) if target is not None else None,
            locked=op.locked,
        )
        if refusal is not None:
            result.error = refusal
            return None
        if slot.live is None:
            slot.live = Row(None, op.payload, op.client_id, op.nickname)
            self.born.append((key, slot.live))
        else:
            slot.live.payload, slot.live.client_id = op.payload, op.client_id
            slot.live.nickname = op.nickname
        held.add(op.slot)
        return slot.live

    def _end(self, key: Key, slot: Slot) -> None:
        row = slot.live
        if row is None:
            return  # an empty slot stays empty
        slot.live = None
        self.held[(key[0], key[1])].discard(key[2])
        if row is not slot.initial:
            row.alive = False
            return
        slot.ended = True
        if key[2] == WORD_SLOT:
            assert row.id is not None
            self.words.pop((key[0], row.id), None)
            step_in = f"{STEP_IN_PREFIX}{row.id}"
            for other, on_it in list(self.slots.items()):
                if other[0] == key[0] and other[2] == step_in:
                    self._end(other, on_it)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

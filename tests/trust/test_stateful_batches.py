"""Trust suite STATEFUL, same-batch half: several participants' ops in one batch, in every order
hypothesis finds (step-in against withdraw, change against withdraw, resends, moderation and
resets between batches), through the room and the batch writer as the server runs them. After every
step the database equals a serial model of the ops, and the room equals a recount of the database."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from server.db.engine import make_engine
from server.db.tables import Activity
from server.domain.errors import DomainError
from server.kinds import Change, Kind, Moderation, settings_for, tally_from_rows
from server.realtime.invariants import differences
from server.realtime.messages import AnswerIn, WithdrawIn
from server.realtime.room import Room
from server.services import meetings, participants
from server.services.answers import AnswerOp, commit_batch, load_activity_answers
from tests.conftest import migrated_sqlite_url
from tests.trust.conftest import SOAK, Figures

WORDS = ["Moe", "Blij", "Rust", "rust", "Samen"]
PEOPLE = 3
RUN: Counter[str] = Counter()
ENGINE: dict[str, Engine] = {}  # one database for every example; each example is its own meeting
CLIENT_IDS = itertools.count(1)
PLACEHOLDERS = itertools.count(1)  # the model's names for rows whose ids the acks will tell

Key = tuple[int, int, str]  # activity, participant, slot


@pytest.fixture(autouse=True)
def _database(
    tmp_path_factory: pytest.TempPathFactory, figures: Figures, request: pytest.FixtureRequest
) -> Iterator[None]:
    url = migrated_sqlite_url(tmp_path_factory.mktemp("batches"), "batches.db")
    ENGINE["db"] = make_engine(url)
    RUN.clear()
    failed = request.session.testsfailed
    yield
    ENGINE.pop("db").dispose()
    figures(
        "STATEFUL",
        batches_runs=RUN["runs"],
        steps=RUN["steps"],
        batches=RUN["batches"],
        ops=RUN["ops"],
        same_batch_interleavings=RUN["interleaved"],
        step_in_vs_withdraw=RUN["step-in vs withdraw"],
        change_vs_withdraw=RUN["change vs withdraw"],
        resends=RUN["resends"],
        moderation_mid_batch=RUN["moderation"],
        resets=RUN["resets"],
        checks=RUN["checks"],
        failures=request.session.testsfailed - failed,
    )


class BatchMachine(RuleBasedStateMachine):
    """The model: rows by (activity, participant, slot) -> (payload, entry id); client ids seen."""

    @initialize()
    def meeting(self) -> None:
        RUN["runs"] += 1
        self.engine = ENGINE["db"]
        with Session(self.engine) as session:
            created = meetings.create_meeting(session, "Batches", "Inclusie", "nl")
            m = created.meeting.id
            self.meeting_id = m
            self.activities: dict[str, int] = {}
            for name, kind, config in (
                ("checkout", "checkout", None),
                ("wordcloud", "wordcloud", {"max_entries": 2}),
                ("open", "open", None),
                ("stars", "scales", {"pick": 2}),
            ):
                activity, _ = meetings.add_activity(session, m, kind, settings=config)
                assert activity.id is not None
                self.activities[name] = activity.id
            self.people = [participants.join(session, m, None, f"p{i}").participant_id for i in range(PEOPLE)]
            meetings.open_(session, m, self.activities["checkout"])
            session.commit()
            info = meetings.load_meeting(session, m)
        assert info is not None
        self.room = Room(info, meetings.MeetingAuth(m, "", ""), "")
        self.kinds = {a.id: cast(Kind, a.kind) for a in info.activities}
        self.current: int | None = self.activities["checkout"]
        self.rows: dict[Key, tuple[dict[str, Any], int]] = {}
        self.seen: dict[tuple[int, str], tuple[Any, int | None, dict[str, Any] | None, bool]] = {}
        self.sent: list[tuple[int, AnswerIn | WithdrawIn]] = []
        self.words_ever: set[int] = set()
        self.ids: dict[int, int] = {}  # placeholder -> the id its ack told

    # -- the rules --------------------------------------------------------------------------

    @rule(which=st.sampled_from(["checkout", "wordcloud", "open", "stars"]), close=st.booleans())
    def open_activity(self, which: str, close: bool) -> None:
        """Another activity (the phones' ops to the old one are refused from now), or a close."""
        RUN["steps"] += 1
        with Session(self.engine) as session:
            if close and self.current is not None:
                meetings.close(session, self.meeting_id, self.current)
                self.current = None
            else:
                meetings.open_(session, self.meeting_id, self.activities[which])
                self.current = self.activities[which]
            session.commit()
            self._refresh(session)

    @rule(data=st.data())
    def batch(self, data: st.DataObject) -> None:
        """Several participants' ops in one batch, in the order drawn; moderation may commit
        between the batch's commit and the room applying it (a facilitator acting meanwhile)."""
        RUN["steps"] += 1
        RUN["batches"] += 1
        messages = [self._draw(data) for _ in range(data.draw(st.integers(1, 6), label="ops"))]
        self._count(messages)
        moderate_between = data.draw(st.booleans(), label="moderate mid-batch")
        ops: list[AnswerOp | DomainError] = []
        for participant, message in messages:
            try:
                ops.append(self.room.prepare(participant, message))
            except DomainError as refused:
                ops.append(refused)
        with Session(self.engine) as session:
            result = commit_batch(session, [op for op in ops if isinstance(op, AnswerOp)])
            session.commit()
        if moderate_between:
            self._moderate(data)
        for activity_id, changes in result.changes.items():
            self.room.apply(activity_id, changes, result.versions)
        outcomes = iter(result.results)
        expected = self._model(messages)
        for (participant, message), op, want in zip(messages, ops, expected, strict=True):
            if isinstance(op, DomainError):
                got: tuple[Any, ...] = (op.code, False, None)
            else:
                outcome = next(outcomes)
                got = (outcome.error.code if outcome.error else None, outcome.duplicate, outcome.entry_id)
            self._settle(participant, message, want, got)
        RUN["ops"] += len(messages)

    @rule(
        data=st.data(),
        reset=st.integers(0, 3),
        which=st.sampled_from(["checkout", "wordcloud", "open", "stars"]),
    )
    def facilitator(self, data: st.DataObject, reset: int, which: str) -> None:
        """Moderation, or now and then a reset (the app serialises a reset with the batches: the
        room applies both in the order they were committed)."""
        RUN["steps"] += 1
        if reset:
            self._moderate(data)
            return
        RUN["resets"] += 1
        activity_id = self.activities[which]
        with Session(self.engine) as session:
            meetings.reset_results(session, self.meeting_id, activity_id)
            session.commit()
            self._refresh(session)
        self.room.reset(activity_id)
        self.rows = {k: v for k, v in self.rows.items() if k[0] != activity_id}

    @rule(data=st.data())
    def another_batch(self, data: st.DataObject) -> None:
        self.batch(data)

    @rule(data=st.data())
    def a_third_batch(self, data: st.DataObject) -> None:
        self.batch(data)

    # -- the checks -------------------------------------------------------------------------

    @invariant()
    def database_equals_model_and_room_equals_recount(self) -> None:
        if not hasattr(self, "room"):
            return
        RUN["checks"] += 1
        with Session(self.engine) as session:
            stored = load_activity_answers(session, self.activities.values())
            moderation = {
                a.id: Moderation.from_json(a.moderation)
                for a in session.scalars(select(Activity).where(col(Activity.meeting_id) == self.meeting_id))
            }
        assert {
            (a.activity_id, a.participant_id, a.slot): (a.payload, a.entry_id) for a in stored
        } == self.rows
        truth: dict[int, list[Any]] = {a: [] for a in self.activities.values()}
        for answer in stored:
            truth[answer.activity_id].append(answer)
        assert differences(self.room, truth) == []
        for activity in self.room.meeting.activities:
            rows = [
                Change(a.participant_id, a.slot, a.entry_id, None, a.payload, a.nickname)
                for a in truth[activity.id]
            ]
            kind = self.kinds[activity.id]
            recount = tally_from_rows(kind, rows).snapshot(
                settings_for(kind, activity.settings), moderation[activity.id], audience="host"
            )
            assert self.room.results(activity, "host") == recount

    # -- drawing ops ------------------------------------------------------------------------

    def _draw(self, data: st.DataObject) -> tuple[int, AnswerIn | WithdrawIn]:
        participant = data.draw(st.sampled_from(self.people), label="who")
        mine = [m for p, m in self.sent if p == participant]
        if mine and data.draw(st.integers(0, 4), label="resend?") == 0:
            earlier = data.draw(st.sampled_from(mine), label="resent")
            if isinstance(earlier, AnswerIn) and data.draw(st.booleans(), label="reuse the id"):
                # The same client id for something else: refused, whatever it would have done.
                return participant, WithdrawIn(
                    type="withdraw",
                    activity_id=earlier.activity_id,
                    client_id=earlier.client_id,
                    slot=earlier.slot,
                )
            return participant, earlier
        names = list(self.activities)
        # Mostly the current activity; sometimes another one (refused, unless it is a resend).
        name = data.draw(st.sampled_from(names), label="activity")
        if self.current is not None and data.draw(st.integers(0, 5), label="current?") > 0:
            name = next(n for n, a in self.activities.items() if a == self.current)
        activity_id = self.activities[name]
        client_id = f"c{next(CLIENT_IDS)}"
        withdraw = data.draw(st.integers(0, 2), label="withdraw?") == 0
        if name == "checkout":
            words = [e for (a, _p, s), (_v, e) in self.rows.items() if a == activity_id and s == "word"]
            choices = sorted({*words, *self.words_ever}) or [999_999]
            slot = data.draw(
                st.one_of(st.just("word"), st.sampled_from(choices).map(lambda e: f"in:{e}")), label="slot"
            )
            value: dict[str, Any] = {"word": data.draw(st.sampled_from(WORDS))} if slot == "word" else {}
        elif name == "wordcloud":
            slot, value = data.draw(st.sampled_from(["0", "1"])), {"word": data.draw(st.sampled_from(WORDS))}
        elif name == "open":
            slot, value = "0", {"text": data.draw(st.sampled_from(WORDS))}
        else:
            slot, value = data.draw(st.sampled_from(["0", "1", "2"])), {"value": data.draw(st.integers(1, 5))}
        if withdraw:
            return participant, WithdrawIn(
                type="withdraw", activity_id=activity_id, client_id=client_id, slot=slot
            )
        return participant, AnswerIn(
            type="answer", activity_id=activity_id, client_id=client_id, slot=slot, value=value
        )

    def _count(self, messages: list[tuple[int, AnswerIn | WithdrawIn]]) -> None:
        if len({p for p, _ in messages}) > 1:
            RUN["interleaved"] += 1
        withdrawn_words = {
            (m.activity_id, p) for p, m in messages if isinstance(m, WithdrawIn) and m.slot == "word"
        }
        owners = {e: k[1] for k, (_v, e) in self.rows.items() if k[2] == "word"}
        for _p, m in messages:
            if isinstance(m, AnswerIn) and m.slot.startswith("in:"):
                owner = owners.get(int(m.slot[3:]))
                if owner is not None and (m.activity_id, owner) in withdrawn_words:
                    RUN["step-in vs withdraw"] += 1
        answered = {(m.activity_id, p, m.slot) for p, m in messages if isinstance(m, AnswerIn)}
        if any(isinstance(m, WithdrawIn) and (m.activity_id, p, m.slot) in answered for p, m in messages):
            RUN["change vs withdraw"] += 1
        RUN["resends"] += sum(1 for p, m in messages if (p, m.client_id) in self.seen)

    def _moderate(self, data: st.DataObject) -> None:
        RUN["moderation"] += 1
        open_entries = [e for (a, _p, _s), (_v, e) in self.rows.items() if a == self.activities["open"]]
        action = data.draw(st.sampled_from(["highlight", "hide", "unhide", "hide_word", "merge_words"]))
        with Session(self.engine) as session:
            if action in ("highlight", "hide", "unhide"):
                entry = data.draw(st.sampled_from(open_entries)) if open_entries else 1
                meetings.moderate(session, self.meeting_id, self.activities["open"], action, entry_id=entry)
            else:
                keys = sorted({word.casefold() for word in WORDS})
                key, into = data.draw(st.lists(st.sampled_from(keys), min_size=2, max_size=2, unique=True))
                meetings.moderate(
                    session, self.meeting_id, self.activities["wordcloud"], action, key=key, into=into
                )
            session.commit()
            self._refresh(session)

    def _refresh(self, session: Session) -> None:
        info = meetings.load_meeting(session, self.meeting_id)
        assert info is not None
        self.room.set_meeting(info)

    # -- the model --------------------------------------------------------------------------

    def _model(self, messages: list[tuple[int, AnswerIn | WithdrawIn]]) -> list[tuple[Any, ...]]:
        """What each op should get, applying them one after another: (error, duplicate, entry);
        an entry of None for a new row means "a new id" (checked in _settle)."""
        out: list[tuple[Any, ...]] = []
        first: dict[tuple[int, str], tuple[Any, tuple[Any, ...]]] = {}
        for participant, message in messages:
            fingerprint = _fingerprint(message)
            pair = (participant, message.client_id)
            if pair in self.seen:
                seen = self.seen[pair]
                out.append(
                    (None, True, seen[1]) if seen[0] == fingerprint else ("client_id_reused", False, None)
                )
                continue
            if pair in first:
                earlier_fp, earlier = first[pair]
                if earlier_fp != fingerprint:
                    out.append(("client_id_reused", False, None))
                else:
                    out.append((earlier[0], earlier[0] is None, earlier[2]))
                continue
            outcome = self._fresh(participant, message)
            first[pair] = (fingerprint, outcome)
            out.append(outcome)
        return out

    def _fresh(self, participant: int, message: AnswerIn | WithdrawIn) -> tuple[Any, ...]:
        activity_id = message.activity_id
        if self.current != activity_id:
            return ("activity_not_open", False, None)
        key = (activity_id, participant, message.slot)
        if isinstance(message, WithdrawIn):
            self._withdraw(key)
            return (None, False, None)
        held = {k[2] for k in self.rows if k[0] == activity_id and k[1] == participant}
        if message.slot.startswith("in:"):
            entry = int(message.slot[3:])
            owner = next(
                (
                    k[1]
                    for k, (_v, e) in self.rows.items()
                    if k[0] == activity_id and k[2] == "word" and e == entry
                ),
                None,
            )
            if owner is None:
                return ("unknown_word", False, None)
            if owner == participant:
                return ("own_word", False, None)
            if message.slot in held:
                return ("already_stepped_in", False, None)
        if activity_id == self.activities["stars"] and message.slot not in held and len(held) >= 2:
            return ("too_many_picks", False, None)
        old = self.rows.get(key)
        if old is not None:
            self.rows[key] = (message.value, old[1])
            return (None, False, old[1])
        placeholder = -next(PLACEHOLDERS)  # a new row: its id comes with the ack (see _settle)
        self.rows[key] = (message.value, placeholder)
        return (None, False, placeholder)

    def _withdraw(self, key: Key) -> None:
        row = self.rows.pop(key, None)
        if row is not None and key[2] == "word":
            step_in = f"in:{row[1]}"
            self.rows = {k: v for k, v in self.rows.items() if not (k[0] == key[0] and k[2] == step_in)}

    def _settle(
        self, participant: int, message: AnswerIn | WithdrawIn, want: tuple[Any, ...], got: tuple[Any, ...]
    ) -> None:
        """Compare one op's outcome with the model's; learn the ids of new rows from the acks."""
        error, duplicate, entry = want
        if error == "activity_not_open":
            # The room says which: not the current activity, or the current one closed.
            assert got[0] in ("activity_not_open", "activity_closed"), (message, got)
        else:
            assert got[:2] == (error, duplicate), (message, want, got)
        if entry is not None and entry < 0 and entry not in self.ids:  # a new row's first ack
            assert got[2] is not None and got[2] not in self.ids.values(), (message, got)
            self.ids[entry] = got[2]
            self.rows = {k: (v, got[2] if e == entry else e) for k, (v, e) in self.rows.items()}
            if message.slot == "word":
                self.words_ever.add(got[2])
        elif got[0] is None:
            assert got[2] == self.ids.get(entry, entry), (message, want, got)
        if got[0] is None and not duplicate:
            self.seen[(participant, message.client_id)] = (_fingerprint(message), got[2], None, True)
        if (participant, message.client_id) not in {(p, m.client_id) for p, m in self.sent}:
            self.sent.append((participant, message))


def _fingerprint(message: AnswerIn | WithdrawIn) -> tuple[Any, ...]:
    value = message.value if isinstance(message, AnswerIn) else None
    return (message.activity_id, message.type, message.slot, repr(sorted(value.items())) if value else value)


BatchMachine.TestCase.settings = settings(
    max_examples=1000 if SOAK else 200,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_same_batch_ops_in_every_order = BatchMachine.TestCase

"""Property tests: incremental tallies equal a recount, for every kind and any history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.kinds import Change, Kind, Moderation, Tally, new_tally, tally_from_rows
from tests.kinds.support import default_settings

PEOPLE = [1, 2, 3, 4]
WORDS = ["Samenwerking", " samenwerking", "SAMENWERKING", "Vertrouwen", "Leren", "verbinding", "Ééntje"]
KINDS: list[Kind] = [
    "open",
    "wordcloud",
    "scales",
    "checkout",
    "choice",
    "groups",
    "cards",
    "grid",
    "ranking",
    "points",
    "quiz",
]
Row = tuple[int, str]  # participant, slot


def nick(person: int) -> str | None:
    """Some participants give a nickname (the groups tally lists them), some do not."""
    return None if person == 4 else f"Deelnemer {person}"


class Model:
    """Rows as the database holds them, and the changes that got them there."""

    def __init__(self) -> None:
        self.rows: dict[Row, tuple[int, dict[str, Any]]] = {}
        self.changes: list[Change] = []
        self.next_id = 1

    def put(self, person: int, slot: str, payload: dict[str, Any]) -> None:
        key = (person, slot)
        if key in self.rows:
            entry, old = self.rows[key]
            change = Change(person, slot, entry, old, payload, nick(person))
        else:
            entry, self.next_id = self.next_id, self.next_id + 1
            change = Change(person, slot, entry, None, payload, nick(person))
        self.rows[key] = (entry, payload)
        self.changes.append(change)

    def withdraw(self, person: int, slot: str) -> None:
        key = (person, slot)
        if key not in self.rows:
            return
        entry, old = self.rows.pop(key)
        self.changes.append(Change(person, slot, entry, old, None, nick(person)))
        if slot == "word":  # the service takes the step-ins on a withdrawn word along
            for other in [k for k in self.rows if k[1] == f"in:{entry}"]:
                self.withdraw(*other)

    def recount(self, kind: Kind) -> Tally:
        return tally_from_rows(
            kind,
            [
                Change(p, slot, entry, None, payload, nick(p))
                for (p, slot), (entry, payload) in self.rows.items()
            ],
        )


def operation(kind: Kind) -> st.SearchStrategy[tuple[Any, ...]]:
    person = st.sampled_from(PEOPLE)
    if kind == "open":
        value = st.builds(lambda t: {"text": t}, st.sampled_from(["een", "twee", "drie", "vier"]))
        slot = st.sampled_from(["0", "1"])
    elif kind == "wordcloud":
        value = st.builds(lambda w: {"word": w}, st.sampled_from(WORDS))
        slot = st.sampled_from(["0", "1", "2"])
    elif kind == "scales":
        value = st.builds(lambda v: {"value": v}, st.integers(1, 5))
        slot = st.sampled_from(["0", "1", "2", "3", "4"])
    elif kind == "choice":
        value = st.builds(lambda o: {"options": sorted(o)}, st.sets(st.integers(0, 1), min_size=1))
        slot = st.just("0")
    elif kind == "quiz":
        value = st.builds(lambda o, ms: {"options": [o], "ms": ms}, st.integers(0, 1), st.integers(0, 20_000))
        slot = st.just("0")
    elif kind == "groups":
        value = st.builds(lambda o: {"option": o}, st.integers(0, 3))
        slot = st.just("0")
    elif kind == "cards":
        value = st.builds(
            lambda i, a, n: {"insight": i, "action": a, "name": n},
            st.sampled_from(["Verbinding", "Tijd nemen"]),
            st.sampled_from(["Bellen", "Plannen"]),
            st.sampled_from([None, "Ans"]),
        )
        slot = st.just("0")
    elif kind == "grid":
        value = st.builds(lambda x, y: {"x": x, "y": y}, st.integers(1, 10), st.integers(1, 10))
        slot = st.sampled_from(["0", "1", "4"])
    elif kind == "ranking":  # any order of any items: the tally never asks for a full ranking
        value = st.builds(
            lambda o: {"order": o},
            st.permutations(range(5)).flatmap(lambda p: st.integers(1, 5).map(lambda k: p[:k])),
        )
        slot = st.just("0")
    elif kind == "points":
        value = st.builds(lambda p: {"points": p}, st.lists(st.integers(0, 40), min_size=4, max_size=4))
        slot = st.just("0")
    else:
        value = st.builds(lambda w: {"word": w}, st.sampled_from(WORDS))
        slot = st.just("word")
    put = st.tuples(st.just("put"), person, slot, value)
    withdraw = st.tuples(st.just("withdraw"), person, slot)
    ops = [put, put, withdraw]
    if kind == "checkout":
        ops.append(st.tuples(st.just("step"), person, st.integers(0, 20), st.booleans()))
    return st.one_of(*ops)


def run(kind: Kind, ops: list[tuple[Any, ...]]) -> Model:
    model = Model()
    for op in ops:
        if op[0] == "put":
            model.put(op[1], op[2], op[3])
        elif op[0] == "withdraw":
            model.withdraw(op[1], op[2])
        else:  # step in (True) or out (False) on somebody else's word
            _, person, pick, step_in = op
            words = [
                (entry, p) for (p, slot), (entry, _) in model.rows.items() if slot == "word" and p != person
            ]
            if not words:
                continue
            entry, _ = words[pick % len(words)]
            if step_in:
                model.put(person, f"in:{entry}", {})
            else:
                model.withdraw(person, f"in:{entry}")
    return model


def snapshots(tally: Tally, kind: Kind) -> list[Mapping[str, object]]:
    moderation = Moderation(
        highlighted={1, 3}, hidden_entries={2}, hidden_words={"leren"}, merges={"vertrouwen": "samenwerking"}
    )
    config = default_settings(kind)
    return [tally.snapshot(config, moderation, audience=a) for a in ("host", "presenter", "participant")]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_tally_incremental_equals_recount(data: st.DataObject, kind: Kind) -> None:
    ops = data.draw(st.lists(operation(kind), max_size=60))
    model = run(kind, ops)
    incremental = new_tally(kind)
    for change in model.changes:
        incremental.apply(change)
    recount = model.recount(kind)
    assert incremental == recount
    assert snapshots(incremental, kind) == snapshots(recount, kind)
    assert incremental.responses() == len(model.rows)
    assert incremental.respondents() == len({p for p, _ in model.rows})


@settings(max_examples=100, deadline=None)
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_tally_changes_commute_across_rows(data: st.DataObject, kind: Kind) -> None:
    """Workers apply each other's changes in any interleaving that keeps each row's order."""
    model = run(kind, data.draw(st.lists(operation(kind), max_size=60)))
    streams: dict[tuple[int, str], list[Change]] = {}
    for change in model.changes:
        streams.setdefault((change.participant, change.slot), []).append(change)
    order = data.draw(st.permutations([key for key, stream in streams.items() for _ in stream]))
    shuffled = new_tally(kind)
    cursor = dict.fromkeys(streams, 0)
    for key in order:
        shuffled.apply(streams[key][cursor[key]])
        cursor[key] += 1
    assert shuffled == model.recount(kind)

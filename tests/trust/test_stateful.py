"""Trust suite STATEFUL: a hypothesis state machine over join, answer, change, withdraw,
reconnect, open, close and reset; the server's tally always equals the model's."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, add_activity, auth, client_for, make_meeting
from tests.trust.conftest import SOAK, Figures

WORDS = ["Samen", "samen", "Leren", "Groei", "Plezier"]
RUN: Counter[str] = Counter()  # runs, steps and invariant checks of this test, for its figure


@pytest.fixture(autouse=True)
def _figure(figures: Figures, request: pytest.FixtureRequest) -> Iterator[None]:
    RUN.clear()
    failed = request.session.testsfailed
    yield
    figures(
        "STATEFUL",
        runs=RUN["runs"],
        steps=RUN["checks"] - RUN["runs"],
        max_steps=MeetingMachine.TestCase.settings.stateful_step_count,
        tally_checks=RUN["checks"],
        answers=RUN["answers"],
        failures=request.session.testsfailed - failed,  # this test's call is reported by now
    )


class MeetingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        url = migrated_sqlite_url(self.tmp.name, "state.db")
        self.ctx = client_for(url)
        self.client: TestClient = self.ctx.__enter__()
        self.meeting = make_meeting(self.client)
        self.cloud = add_activity(self.client, self.meeting, "wordcloud", settings={"max_entries": 2})
        self.choice = add_activity(self.client, self.meeting, "choice", settings={"options": ["a", "b", "c"]})
        self.current: dict[str, Any] | None = None
        self.open = False
        self.phones: list[dict[str, Any]] = []  # {"cookie", "ws", "ctx"}
        self.rows: dict[int, dict[tuple[int, str], Any]] = {self.cloud["id"]: {}, self.choice["id"]: {}}
        self.counter = 0
        RUN["runs"] += 1

    def teardown(self) -> None:
        for phone in self.phones:
            if phone["ctx"] is not None:
                phone["ctx"].__exit__(None, None, None)
        self.ctx.__exit__(None, None, None)
        self.tmp.cleanup()

    def _api(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.post(
            f"/api/meetings/{self.meeting['code']}{path}", json=body or {}, headers=auth(self.meeting)
        )
        assert response.status_code == 200, response.text
        return response.json()

    def _connect(self, phone: dict[str, Any]) -> None:
        name = f"kring_{self.meeting['code']}"
        ctx = self.client.websocket_connect(
            f"/ws/{self.meeting['code']}", headers={"cookie": f"{name}={phone['cookie']}", "origin": ORIGIN}
        )
        phone["ctx"], phone["ws"] = ctx, ctx.__enter__()

    def _reply(self, phone: dict[str, Any], client_id: str) -> dict[str, Any]:
        for _ in range(50):
            message: dict[str, Any] = phone["ws"].receive_json()
            if message.get("client_id") == client_id:
                return message
        raise AssertionError("no reply")

    @rule()
    def join(self) -> None:
        if len(self.phones) >= 4:
            return
        self.client.cookies.clear()
        response = self.client.post(f"/api/join/{self.meeting['code']}", json={})
        phone = {"cookie": response.cookies.get(f"kring_{self.meeting['code']}"), "ctx": None, "ws": None}
        self._connect(phone)
        self.phones.append(phone)

    @rule(which=st.sampled_from(["cloud", "choice"]))
    def open_activity(self, which: str) -> None:
        self.current = self.cloud if which == "cloud" else self.choice
        self._api(f"/activities/{self.current['id']}/open")
        self.open = True

    @precondition(lambda self: self.current is not None)
    @rule()
    def close(self) -> None:
        assert self.current is not None
        self._api(f"/activities/{self.current['id']}/close")
        self.open = False

    @precondition(lambda self: self.current is not None)
    @rule()
    def reset(self) -> None:
        assert self.current is not None
        self._api(f"/activities/{self.current['id']}/reset", {"confirm": True})
        self.rows[self.current["id"]] = {}

    @precondition(lambda self: bool(self.phones) and self.current is not None)
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        assert self.current is not None
        index = data.draw(st.integers(0, len(self.phones) - 1))
        phone = self.phones[index]
        if self.current["kind"] == "wordcloud":
            slot, value = data.draw(st.sampled_from(["0", "1"])), {"word": data.draw(st.sampled_from(WORDS))}
        else:
            slot, value = "0", {"options": [data.draw(st.integers(0, 2))]}
        withdraw = data.draw(st.integers(0, 2)) == 0
        self.counter += 1
        client_id = f"c{self.counter}"
        message = {
            "type": "withdraw" if withdraw else "answer",
            "activity_id": self.current["id"],
            "slot": slot,
            "client_id": client_id,
        }
        if not withdraw:
            message["value"] = value
        phone["ws"].send_text(json.dumps(message))
        reply = self._reply(phone, client_id)
        if not self.open:
            assert reply["type"] == "error" and reply["code"] == "activity_closed"
            return
        assert reply["type"] == "ack", reply
        rows = self.rows[self.current["id"]]
        RUN["answers"] += 1
        if withdraw:
            rows.pop((index, slot), None)
        else:
            rows[(index, slot)] = value

    @precondition(lambda self: bool(self.phones))
    @rule(data=st.data())
    def reconnect(self, data: st.DataObject) -> None:
        phone = self.phones[data.draw(st.integers(0, len(self.phones) - 1))]
        phone["ctx"].__exit__(None, None, None)
        self._connect(phone)

    @invariant()
    def server_tally_equals_model(self) -> None:
        RUN["checks"] += 1
        for activity in (self.cloud, self.choice):
            response = self.client.get(
                f"/api/meetings/{self.meeting['code']}/activities/{activity['id']}/results",
                headers=auth(self.meeting),
            )
            results = response.json()["results"]
            rows = self.rows[activity["id"]]
            if activity["kind"] == "wordcloud":
                want = Counter(v["word"].casefold() for v in rows.values())
                assert {w["key"]: w["count"] for w in results["words"]} == dict(want)
            else:
                want = Counter(v["options"][0] for v in rows.values())
                assert [o["count"] for o in results["options"]] == [want.get(i, 0) for i in range(3)]


MeetingMachine.TestCase.settings = settings(
    max_examples=200 if SOAK else 12,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_stateful_meeting = MeetingMachine.TestCase

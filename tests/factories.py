"""Plain factory functions with keyword defaults, for tests that run the app in-process."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.db.engine import make_engine
from server.db.migrate import upgrade
from server.services import accounts
from server.services.answers import AnswerOp, commit_batch
from server.settings import Settings

ORIGIN = "http://127.0.0.1:8000"  # the public URL the in-process apps are given


def database_with_accounts(url: str, *users: tuple[str, str, str]) -> None:
    """A migrated database holding these facilitator accounts (email, password, name), as
    `kring user add` would leave it: the instance then asks for a login."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for email, password, name in users:
            accounts.add_user(session, email, password, name)
        session.commit()
    engine.dispose()


def assert_forbidden_then_closed(ws: WebSocketTestSession, within: int = 10) -> None:
    """A socket that was let in, then refused: a `forbidden` error within ``within`` frames (those
    already on their way may come first), then close 4403."""
    for _ in range(within):
        reply = ws.receive_json()
        if reply["type"] == "error":
            break
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            ws.receive_json()
    assert closed.value.code == 4403


class ManualClock:
    """The agenda's clock in tests: it stands still until the test advances it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, minutes: float = 0, seconds: float = 0) -> None:
        self.moment += timedelta(minutes=minutes, seconds=seconds)


@contextmanager
def client_for(database_url: str, clock: ManualClock | None = None, **overrides: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, public_url="http://127.0.0.1:8000", **overrides)
    with TestClient(create_app(settings, clock), base_url="http://127.0.0.1:8000") as client:
        yield client


def make_meeting(client: TestClient, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Lerend netwerk")
    body.setdefault("theme", "Inclusie")
    response = client.post("/api/meetings", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def auth(meeting: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {meeting['host_key']}"}


def add_activity(client: TestClient, meeting: dict[str, Any], kind: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/meetings/{meeting['code']}/activities", json={"kind": kind, **body}, headers=auth(meeting)
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def open_activity(client: TestClient, meeting: dict[str, Any], activity_id: int) -> None:
    response = client.post(
        f"/api/meetings/{meeting['code']}/activities/{activity_id}/open", headers=auth(meeting)
    )
    assert response.status_code == 200, response.text


def join(client: TestClient, meeting: dict[str, Any], nickname: str | None = None) -> None:
    response = client.post(f"/api/join/{meeting['code']}", json={"nickname": nickname})
    assert response.status_code == 200, response.text


def phone_socket(client: TestClient, meeting: dict[str, Any]) -> Any:
    """The participant websocket, with the cookie from joining (the cookie jar skips ws:// URLs)."""
    name = f"kring_{meeting['code']}"
    token = client.cookies.get(name)
    headers = {"cookie": f"{name}={token}"} if token else {}
    return client.websocket_connect(f"/ws/{meeting['code']}", headers={**headers, "origin": ORIGIN})


def screen_socket(client: TestClient, meeting: dict[str, Any], role: str = "presenter") -> Any:
    return client.websocket_connect(f"/ws/{meeting['code']}/{role}", headers={"origin": ORIGIN})


class AnswerWriter:
    """Answers written the way the app writes them: batches through commit_batch, one per call."""

    def __init__(self, session: Session, meeting_id: int) -> None:
        self.session, self.meeting_id, self.ids = session, meeting_id, itertools.count(1)

    def answer(self, activity: int, person: int, slot: str, payload: dict[str, Any]) -> int:
        op = AnswerOp(self.meeting_id, activity, person, f"c{next(self.ids)}", "answer", slot, payload)
        entry = commit_batch(self.session, [op]).results[0].entry_id
        self.session.commit()
        assert entry is not None
        return entry

    def withdraw(self, activity: int, person: int, slot: str) -> None:
        op = AnswerOp(self.meeting_id, activity, person, f"c{next(self.ids)}", "withdraw", slot, None)
        commit_batch(self.session, [op])
        self.session.commit()

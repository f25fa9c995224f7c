"""Facilitator accounts: single-facilitator mode, login, ownership, co-hosts, CSRF, key rotation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.websockets import WebSocketDisconnect

from server.db.engine import make_engine
from server.db.tables import User
from server.services import accounts
from tests.factories import ORIGIN, client_for, screen_socket
from tests.test_docs import routes

PASSWORD = "een lang wachtwoord"


@pytest.fixture
def client(database_url: str) -> Any:
    with client_for(database_url) as client:
        client.database_url = database_url  # type: ignore[attr-defined]
        yield client


def add_user(client: TestClient, email: str) -> None:
    engine = make_engine(client.database_url)  # type: ignore[attr-defined]
    with Session(engine) as session:
        accounts.add_user(session, email, PASSWORD, "Facilitator")
        session.commit()
    engine.dispose()


def login(client: TestClient, email: str) -> str:
    response = client.post("/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def test_password_is_hashed_with_argon2(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        accounts.add_user(session, "a@example.org", PASSWORD)
        session.commit()
        stored = session.exec(select(User)).one().password_hash
    engine.dispose()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_single_facilitator_mode_needs_no_login_until_an_account_exists(client: TestClient) -> None:
    assert client.post("/api/meetings", json={"title": "Zonder account"}).status_code == 201
    add_user(client, "anna@example.org")
    refused = client.post("/api/meetings", json={"title": "Nu met account"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "login_required"


def test_login_sets_a_strict_session_cookie_and_owns_new_meetings(client: TestClient) -> None:
    add_user(client, "anna@example.org")
    response = client.post("/api/login", json={"email": "Anna@example.org", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "kring_session=" in cookie and "HttpOnly" in cookie and re.search("SameSite=lax", cookie, re.I)
    csrf = response.json()["csrf_token"]
    created = client.post("/api/meetings", json={"title": "Van Anna"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    me = client.get("/api/me").json()
    assert me["email"] == "anna@example.org" and [m["code"] for m in me["meetings"]] == [
        created.json()["code"]
    ]
    # The owner runs the meeting with the session, without the host key.
    opened = client.post(f"/api/meetings/{created.json()['code']}/next", headers={"X-CSRF-Token": csrf})
    assert opened.status_code == 409  # no activities yet: authorised, then refused for a reason


def test_wrong_password_and_rate_limit_per_account(client: TestClient) -> None:
    add_user(client, "anna@example.org")
    statuses = [
        client.post("/api/login", json={"email": "anna@example.org", "password": "fout"}).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    # Even the right password waits out the block.
    blocked = client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD})
    assert blocked.status_code == 429


def test_other_facilitators_meeting_is_forbidden_until_co_hosted(client: TestClient) -> None:
    add_user(client, "anna@example.org")
    add_user(client, "bram@example.org")
    csrf = login(client, "anna@example.org")
    meeting = client.post("/api/meetings", json={"title": "Van Anna"}, headers={"X-CSRF-Token": csrf}).json()
    client.cookies.clear()
    bram = login(client, "bram@example.org")
    path = f"/api/meetings/{meeting['code']}/activities"
    assert client.post(path, json={"kind": "open"}, headers={"X-CSRF-Token": bram}).status_code == 403
    invited = client.post(
        f"/api/meetings/{meeting['code']}/cohosts",
        json={"email": "bram@example.org"},
        headers={"Authorization": f"Bearer {meeting['host_key']}"},
    )
    assert invited.status_code == 200
    assert client.post(path, json={"kind": "open"}, headers={"X-CSRF-Token": bram}).status_code == 201


def test_csrf_every_facilitator_action_refused_cross_site_without_token(client: TestClient) -> None:
    add_user(client, "anna@example.org")
    csrf = login(client, "anna@example.org")
    meeting = client.post(
        "/api/meetings", json={"title": "CSRF", "demo": True}, headers={"X-CSRF-Token": csrf}
    ).json()
    activity = meeting["activities"][0]["id"]
    app = client.app
    actions = [
        (method, path)
        for method, path in routes(app.routes)  # type: ignore[attr-defined]
        if method in ("POST", "PUT", "PATCH", "DELETE") and path.startswith("/api/meetings")
    ]
    assert len(actions) >= 15
    for method, path in actions:
        url = path.replace("{code}", meeting["code"]).replace("{activity_id}", str(activity))
        response = client.request(method, url, json={}, headers={"Origin": "http://evil.example"})
        if path == "/api/meetings":
            # Creating needs the session; without the token it is refused like any other action.
            assert response.status_code == 403, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "csrf", (method, path)
    assert (
        client.get(f"/api/meetings/{meeting['code']}", headers={"Authorization": "Bearer x"}).status_code
        == 403
    )


def test_cross_site_login_form_is_refused(client: TestClient) -> None:
    add_user(client, "anna@example.org")
    response = client.post(
        "/login",
        data={"email": "anna@example.org", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403 and "kring_session" not in response.headers.get("set-cookie", "")
    own = client.post(
        "/login",
        data={"email": "anna@example.org", "password": PASSWORD},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert own.status_code == 303 and "kring_session=" in own.headers["set-cookie"]


def test_rotated_presenter_key_closes_old_screens(client: TestClient) -> None:
    meeting = client.post("/api/meetings", json={"title": "Scherm"}).json()
    with screen_socket(client, meeting) as old:
        old.send_text(json.dumps({"type": "auth", "key": meeting["presenter_key"]}))
        assert old.receive_json()["type"] == "snapshot"
        rotated = client.post(
            f"/api/meetings/{meeting['code']}/presenter-key",
            headers={"Authorization": f"Bearer {meeting['host_key']}"},
        ).json()
        for _ in range(10):
            message = old.receive_json()
            if message["type"] == "error":
                break
        assert message["code"] == "forbidden"
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                old.receive_json()
        assert closed.value.code == 4403
    with screen_socket(client, meeting) as stale:
        stale.send_text(json.dumps({"type": "auth", "key": meeting["presenter_key"]}))
        assert stale.receive_json()["code"] == "forbidden"
    with screen_socket(client, meeting) as fresh:
        fresh.send_text(json.dumps({"type": "auth", "key": rotated["presenter_key"]}))
        assert fresh.receive_json()["type"] == "snapshot"

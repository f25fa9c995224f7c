"""Facilitator accounts: single-facilitator mode, login, ownership, co-hosts, CSRF, key rotation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from argon2 import extract_parameters
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.app import create_app
from server.db.engine import make_engine
from server.db.tables import User
from server.services import accounts
from server.settings import Settings
from tests.conftest import KRING_HASHER, migrated_sqlite_url
from tests.factories import ORIGIN, assert_forbidden_then_closed, client_for, screen_socket
from tests.figures import Figures
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
    # Not his: answered as an unknown code is (no "exists, but not yours").
    refused = client.post(path, json={"kind": "open"}, headers={"X-CSRF-Token": bram})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_code"
    invited = client.post(
        f"/api/meetings/{meeting['code']}/cohosts",
        json={"email": "bram@example.org"},
        headers={"Authorization": f"Bearer {meeting['host_key']}"},
    )
    assert invited.status_code == 200
    assert client.post(path, json={"kind": "open"}, headers={"X-CSRF-Token": bram}).status_code == 201


def test_per_client_login_limit_counts_failures_across_accounts(database_url: str) -> None:
    with client_for(database_url, login_failures_per_ip=4, login_failures_per_account=100) as client:
        client.database_url = database_url  # type: ignore[attr-defined]
        for name in ("anna", "bram", "carla"):
            add_user(client, f"{name}@example.org")
        guesses = [
            client.post("/api/login", json={"email": f"{n}@example.org", "password": "fout"}).status_code
            for n in ("anna", "bram", "carla", "anna", "bram")
        ]
        assert guesses == [401, 401, 401, 401, 429]
        # From this client, no account gets in now, not even with its right password.
        right = client.post("/api/login", json={"email": "carla@example.org", "password": PASSWORD})
        assert right.status_code == 429 and right.json()["error"]["code"] == "too_many_attempts"


@pytest.mark.parametrize(
    ("public_url", "setting", "secure"),
    [
        ("https://kring.example.org", None, True),
        ("http://192.168.1.20:8000", None, False),
        ("http://192.168.1.20:8000", True, True),  # behind a TLS proxy that talks http to Kring
        ("https://kring.example.org", False, False),
    ],
)
def test_cookies_are_secure_behind_https(
    tmp_path: Any, public_url: str, setting: bool | None, secure: bool
) -> None:
    url = migrated_sqlite_url(tmp_path, "secure.db")
    settings = Settings(database_url=url, public_url=public_url, cookie_secure=setting)
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        client.database_url = url  # type: ignore[attr-defined]
        meeting = client.post("/api/meetings", json={"title": "Veilig"}).json()
        joined = client.post(f"/api/join/{meeting['code']}", json={})
        add_user(client, "anna@example.org")
        logged_in = client.post(
            "/api/login",
            json={"email": "anna@example.org", "password": PASSWORD},
            headers={"Origin": public_url},
        )
    for response in (joined, logged_in):
        cookie = response.headers["set-cookie"]
        assert ("; secure" in cookie.lower()) == secure, cookie
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_co_facilitators_open_the_remote_and_big_screen_with_their_session(client: TestClient) -> None:
    for name in ("anna", "bram", "carla"):
        add_user(client, f"{name}@example.org")
    csrf = login(client, "anna@example.org")
    meeting = client.post(
        "/api/meetings", json={"title": "Samen", "demo": True}, headers={"X-CSRF-Token": csrf}
    )
    code = meeting.json()["code"]
    invited = client.post(
        f"/api/meetings/{code}/cohosts", json={"email": " Bram@Example.org "}, headers={"X-CSRF-Token": csrf}
    )
    assert invited.status_code == 200 and invited.json()["email"] == "bram@example.org"
    me = client.get("/api/me").json()
    assert me["meetings"] == [
        {"code": code, "title": "Samen", "owner": True, "cohosts": ["bram@example.org"]}
    ]
    client.cookies.clear()
    for email, allowed in (("bram@example.org", True), ("carla@example.org", False)):
        login(client, email)
        session = client.cookies["kring_session"]
        for role in ("host", "presenter"):
            with client.websocket_connect(
                f"/ws/{code}/{role}", headers={"origin": ORIGIN, "cookie": f"kring_session={session}"}
            ) as ws:
                ws.send_text(json.dumps({"type": "auth"}))
                reply = ws.receive_json()
                assert reply["type"] == ("snapshot" if allowed else "error"), (email, role, reply)
        page = client.get("/account")
        assert (code in page.text) == allowed and ("/m/" + code + "/remote" in page.text) == allowed
        client.post("/logout", headers={"Origin": ORIGIN})
        client.cookies.clear()
    # After logging out, the session no longer opens the remote.
    with client.websocket_connect(
        f"/ws/{code}/host", headers={"origin": ORIGIN, "cookie": f"kring_session={session}"}
    ) as ws:
        ws.send_text(json.dumps({"type": "auth"}))
        assert ws.receive_json()["code"] == "forbidden"


def test_user_add_from_the_command_line_creates_a_facilitator(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    kring = [sys.executable, "-m", "server", "user"]
    added = subprocess.run(
        [*kring, "add", "anna@example.org", "--name", "Anna", "--password-stdin", "--database-url", url],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0 and "anna@example.org created" in added.stdout
    short = subprocess.run(
        [*kring, "add", "bram@example.org", "--password-stdin", "--database-url", url],
        input="kort\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert short.returncode == 1 and "at least 10 characters" in short.stdout
    listed = subprocess.run(
        [*kring, "list", "--database-url", url], capture_output=True, text=True, check=True
    )
    assert listed.stdout == "anna@example.org\tAnna\n"
    engine = make_engine(url)
    with Session(engine) as session:
        stored = session.exec(select(User)).one().password_hash
    engine.dispose()
    # Hashed at Kring's own cost (the suite's in-process apps hash cheaply: tests/conftest.py).
    cost = extract_parameters(stored)
    assert (cost.time_cost, cost.memory_cost, cost.parallelism) == (
        KRING_HASHER.time_cost,
        KRING_HASHER.memory_cost,
        KRING_HASHER.parallelism,
    )
    with client_for(url) as client:
        assert (
            client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD}).status_code
            == 200
        )


def test_csrf_every_facilitator_action_refused_cross_site_without_token(
    client: TestClient, figures: Figures
) -> None:
    add_user(client, "anna@example.org")
    csrf = login(client, "anna@example.org")
    meeting = client.post(
        "/api/meetings",
        json={"template": "kickoff", "values": {"thema": "CSRF"}},
        headers={"X-CSRF-Token": csrf},
    ).json()
    ids = {
        "{code}": meeting["code"],
        "{activity_id}": str(meeting["activities"][0]["id"]),
        "{block_id}": str(meeting["blocks"][0]["id"]),
        "{series_id}": "1",
    }
    changing = {
        (method, path)
        for method, path in routes(client.app.routes)  # type: ignore[attr-defined]
        if method in ("POST", "PUT", "PATCH", "DELETE")
    }
    # Forms that check the Origin instead, and the participants' public join.
    by_origin = {("POST", "/login"), ("POST", "/api/login"), ("POST", "/logout")}
    public = {("POST", "/api/join/{code}")}
    # A phone's own routes: its participant (or network pass) cookie is SameSite=Lax, never sent
    # with a cross-site POST, PUT or DELETE, and no facilitator session opens them.
    phone = {
        ("DELETE", "/api/join/{code}"),
        ("POST", "/api/join/{code}/pass"),
        ("POST", "/api/join/{code}/pass/join"),
        ("PUT", "/api/join/{code}/actions/{answer_id}"),
    }
    assert phone <= changing
    actions = sorted(changing - by_origin - public - phone)
    assert ("POST", "/api/import") in actions and len(actions) >= 28
    facilitator = ("/api/meetings", "/api/import", "/api/templates", "/api/series")
    assert all(path.startswith(facilitator) for _, path in actions), actions
    for method, path in actions:
        url = path
        for name, value in ids.items():
            url = url.replace(name, value)
        response = client.request(method, url, json={}, headers={"Origin": "http://evil.example"})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "csrf", (method, path)
    for path in ("/logout", "/api/login"):
        response = client.post(
            path,
            json={"email": "anna@example.org", "password": PASSWORD},
            headers={"Origin": "http://evil.example"},
        )
        assert response.status_code == 403 and response.json()["error"]["code"] == "csrf", path
    form = client.post(  # the login page's own form, posted from another site
        "/login",
        data={"email": "anna@example.org", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
    )
    assert form.status_code == 403 and "kring_session" not in form.headers.get("set-cookie", "")
    assert client.get("/api/me").status_code == 200  # the cross-site logout did not end the session
    assert (
        client.get(f"/api/meetings/{meeting['code']}", headers={"Authorization": "Bearer x"}).status_code
        == 404
    )
    figures(
        "CSRF",
        database=client.database_url.split(":", 1)[0].split("+", 1)[0],  # type: ignore[attr-defined]
        actions_refused=f"{len(actions)}/{len(actions)}",
        forms_refused=f"{len(by_origin)}/{len(by_origin)}",  # /login, /api/login, /logout
        session_survived=True,
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
        assert_forbidden_then_closed(old)
    with screen_socket(client, meeting) as stale:
        stale.send_text(json.dumps({"type": "auth", "key": meeting["presenter_key"]}))
        assert stale.receive_json()["code"] == "forbidden"
    with screen_socket(client, meeting) as fresh:
        fresh.send_text(json.dumps({"type": "auth", "key": rotated["presenter_key"]}))
        assert fresh.receive_json()["type"] == "snapshot"

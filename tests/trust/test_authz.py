"""Trust suite WS-AUTHZ: every facilitator action, over HTTP (every host route in the app's route
table) and on the websockets, tried with no token, a wrong token, another meeting's host key, a
participant's cookie (and its token as a key), the presenter key and another facilitator's
session: an error for each, and not one change in the database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.deps import (
    current_account,
    current_host,
    current_lead,
    current_moderator,
    current_screen,
    current_timekeeper,
)
from server.services.keys import new_key
from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, assert_forbidden_then_closed, client_for, database_with_accounts
from tests.trust.conftest import Figures

PASSWORD = "een lang wachtwoord"
# The QR codes are on the big screen for all; /access says what a key may do and changes nothing
# (tests/routes/test_access.py: it names no more than a refusal would).
PUBLIC = {
    ("GET", "/api/meetings/{code}/qr.svg"),
    ("GET", "/api/meetings/{code}/qr.png"),
    ("GET", "/api/meetings/{code}/access"),
}


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    def walk(items: list[Any]) -> Iterator[APIRoute]:
        for route in items:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield route

    yield from walk(list(app.routes))


def depends_on(route: APIRoute, dependency: Any) -> bool:
    def search(dependant: Any) -> bool:
        return any(d.call is dependency or search(d) for d in dependant.dependencies)

    return search(route.dependant)


def actions(app: FastAPI, dependency: Any) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in api_routes(app)
        if depends_on(route, dependency)
        for method in route.methods - {"HEAD"}
    )


def database_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: the whole state, to compare before and after."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: db.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall() for table in tables}


def login(client: TestClient, email: str) -> tuple[str, str]:
    """(session cookie, CSRF token); the client's cookie jar is left empty."""
    response = client.post("/api/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    session = client.cookies["kring_session"]
    client.cookies.clear()
    return session, response.json()["csrf_token"]


def screen_refuses(
    client: TestClient, code: str, role: str, headers: dict[str, str], first: dict[str, Any]
) -> bool:
    """The screen socket answers `forbidden` and closes 4403, before any snapshot."""
    cookie = {"cookie": headers["cookie"]} if "cookie" in headers else {}
    with client.websocket_connect(f"/ws/{code}/{role}", headers={"origin": ORIGIN, **cookie}) as ws:
        ws.send_text(json.dumps(first))
        reply = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return reply["type"] == "error" and reply["code"] == "forbidden" and closed.value.code == 4403


def test_ws_authz_every_facilitator_action_is_refused_without_its_rights(
    tmp_path: Path, figures: Figures
) -> None:
    url = migrated_sqlite_url(tmp_path)
    database_with_accounts(url, ("anna@example.org", PASSWORD, ""), ("bram@example.org", PASSWORD, ""))
    # Every refusal counts against the client (past 20: 429 for all); here all are meant.
    with client_for(url, join_failures_allowed=10_000) as client:
        anna, anna_csrf = login(client, "anna@example.org")
        own = {"cookie": f"kring_session={anna}", "x-csrf-token": anna_csrf}
        meeting = client.post(
            "/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}, headers=own
        ).json()
        bram, bram_csrf = login(client, "bram@example.org")
        other = client.post(
            "/api/meetings",
            json={"title": "Van Bram"},
            headers={"cookie": f"kring_session={bram}", "x-csrf-token": bram_csrf},
        ).json()
        code = meeting["code"]
        joined = client.post(f"/api/join/{code}", json={"nickname": "Deelnemer"})
        participant = joined.cookies[f"kring_{code}"]
        client.cookies.clear()
        ids = {
            "{code}": code,
            "{activity_id}": str(meeting["activities"][0]["id"]),
            "{block_id}": str(meeting["blocks"][0]["id"]),
            "{role}": "moderator",
        }
        credentials = {
            "no token": {},
            "wrong token": {"authorization": f"Bearer {new_key(24)}"},
            "another meeting's host key": {"authorization": f"Bearer {other['host_key']}"},
            "participant cookie": {"cookie": f"kring_{code}={participant}"},
            "participant token as a key": {"authorization": f"Bearer {participant}"},
            "presenter key": {"authorization": f"Bearer {meeting['presenter_key']}"},
            "another facilitator's session": {"cookie": f"kring_session={bram}", "x-csrf-token": bram_csrf},
        }
        # The host's routes, and those a role may also open (server/services/roles.py RIGHTS):
        # none of these credentials is a role's key, so every one is refused.
        host_actions = sorted(
            {
                action
                for dependency in (current_host, current_lead, current_moderator, current_timekeeper)
                for action in actions(client.app, dependency)  # type: ignore[arg-type]
            }
        )
        # Every route of a meeting but its public QR codes needs the host: none was forgotten.
        under_meeting = {
            (method, route.path)
            for route in api_routes(client.app)  # type: ignore[arg-type]
            if route.path.startswith("/api/meetings/{code}")
            for method in route.methods - {"HEAD"}
        }
        # Routes the big screen's key opens too (the host's and the presenter's, as its socket): a
        # series' before and after for the big screen.
        screen_only = sorted(set(actions(client.app, current_screen)) - PUBLIC)  # type: ignore[arg-type]
        assert set(host_actions) | set(screen_only) == under_meeting - PUBLIC and len(host_actions) >= 35
        creating = actions(client.app, current_account)  # type: ignore[arg-type]
        # Creating, importing or checking a draaiboek of your own needs a logged-in facilitator.
        assert set(creating) == {
            ("POST", "/api/meetings"),
            ("POST", "/api/import"),
            ("POST", "/api/templates/check"),
            # A series: making one, and the list of one's own.
            ("POST", "/api/series"),
            ("GET", "/api/series"),
        }
        export_before = client.get(f"/api/meetings/{code}/export.json", headers=own).content
        before = database_rows(url)
        refused = 0
        for method, path in host_actions:
            target = path
            for name, value in ids.items():
                target = target.replace(name, value)
            body = {} if method != "GET" else None
            for who, headers in credentials.items():
                response = client.request(method, target, json=body, headers=headers)
                error = response.json().get("error", {})
                # As an unknown code: no "it exists, but not for you" (server/gate.py).
                assert response.status_code == 404, (method, path, who, response.status_code)
                assert error.get("code") == "unknown_code", (method, path, who, error)
                refused += 1
        for method, path in screen_only:
            target = path
            for name, value in ids.items():
                target = target.replace(name, value)
            for who, headers in credentials.items():
                response = client.request(method, target, headers=headers)
                error = response.json().get("error", {}) if response.status_code >= 400 else {}
                if who == "presenter key":
                    assert error.get("code") != "unknown_code", (method, path, who, response.text)
                    continue
                assert response.status_code == 404, (method, path, who, response.status_code)
                assert error.get("code") == "unknown_code", (method, path, who, error)
                refused += 1
        for method, path in creating:  # creating or importing needs a logged-in facilitator
            for who, headers in credentials.items():
                if who == "another facilitator's session":
                    continue  # Bram may create meetings of his own
                body = (
                    {"yaml": "title: Niet van jou"} if path.endswith("/check") else {"title": "Niet van jou"}
                )
                response = client.request(method, path, json=body, headers=headers)
                assert response.status_code == 401, (method, path, who, response.text)
                assert response.json()["error"]["code"] == "login_required"
                refused += 1
        sockets = 0
        for who, headers in credentials.items():
            key = headers.get("authorization", "").removeprefix("Bearer ") or None
            first = {"type": "auth", "key": key} if key else {"type": "auth"}
            assert screen_refuses(client, code, "host", headers, first), who
            assert screen_refuses(client, code, "host", headers, {"type": "ping"}), who  # auth comes first
            sockets += 2
            if who != "presenter key":
                assert screen_refuses(client, code, "presenter", headers, first), who
                sockets += 1
        # The participant's socket takes answers only: a host key sent on it opens nothing.
        with client.websocket_connect(
            f"/ws/{code}", headers={"origin": ORIGIN, "cookie": f"kring_{code}={participant}"}
        ) as ws:
            assert [ws.receive_json()["type"] for _ in range(2)] == ["nickname", "state"]
            for frame in (
                {"type": "auth", "key": meeting["host_key"]},
                {"type": "next"},
                {"type": "open", "activity_id": int(ids["{activity_id}"])},
                {"type": "reset", "activity_id": int(ids["{activity_id}"]), "confirm": True},
            ):
                ws.send_text(json.dumps(frame))
                while (reply := ws.receive_json())["type"] != "error":
                    pass
                assert reply["code"] == "invalid_message", reply
                sockets += 1
        # A remote that was let in is checked again on every message: a wrong key closes it.
        with client.websocket_connect(f"/ws/{code}/host", headers={"origin": ORIGIN}) as ws:
            ws.send_text(json.dumps({"type": "auth", "key": meeting["host_key"]}))
            assert ws.receive_json()["type"] == "snapshot"
            ws.send_text(json.dumps({"type": "auth", "key": meeting["presenter_key"]}))
            assert_forbidden_then_closed(ws)
            sockets += 1
        after = database_rows(url)
        export_after = client.get(f"/api/meetings/{code}/export.json", headers=own).content
    changed = sorted(table for table in before if before[table] != after.get(table))
    figures(
        "WS-AUTHZ",
        host_http_actions=len(host_actions),
        credentials=len(credentials),
        http_refused=refused,
        socket_refusals=sockets,
        tables_changed=len(changed),
    )
    assert changed == [] and export_after == export_before

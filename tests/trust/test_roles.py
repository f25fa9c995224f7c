"""Trust suite WS-AUTHZ, the roles' rows: what the co-facilitator's, the timekeeper's and the
moderator's keys may and may not do over HTTP (every route of a meeting) and on the sockets;
their keys stored as hashes; a revoked or replaced key stops at once, on open sockets too."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from server.deps import current_host, current_lead, current_moderator, current_timekeeper
from server.services.keys import hash_key
from server.services.roles import RIGHTS
from tests.conftest import migrated_sqlite_url
from tests.factories import ORIGIN, assert_forbidden_then_closed, client_for
from tests.trust.conftest import Figures
from tests.trust.test_authz import actions, screen_refuses

DEPENDENCIES = {
    current_host: "host",
    current_lead: "lead",
    current_moderator: "moderate",
    current_timekeeper: "clock",
}


def make(client: TestClient, host: dict[str, str], code: str, role: str) -> dict[str, Any]:
    response = client.post(f"/api/meetings/{code}/roles/{role}", headers=host)
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    return made


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def opens_screen(client: TestClient, code: str, socket: str, key: str) -> bool:
    with client.websocket_connect(f"/ws/{code}/{socket}", headers={"origin": ORIGIN}) as ws:
        ws.send_text(json.dumps({"type": "auth", "key": key}))
        first = ws.receive_json()
    return bool(first["type"] == "snapshot")


def test_ws_authz_each_role_may_do_what_it_is_given_and_nothing_else(
    tmp_path: Path, figures: Figures
) -> None:
    url = migrated_sqlite_url(tmp_path)
    allowed_calls = refused_calls = socket_checks = 0
    with client_for(url, join_failures_allowed=10_000) as client:
        routes = sorted(
            {
                (method, path, right)
                for dep, right in DEPENDENCIES.items()
                for method, path in actions(client.app, dep)
            },  # type: ignore[arg-type]
            key=lambda row: (
                row[0] == "DELETE",
                row[1],
                row[0],
            ),  # deletions last: the rest still finds its ids
        )
        # Which routes take which right is pinned here: a route moved to another dependency fails.
        by_right = {right: {(m, p) for m, p, r in routes if r == right} for right in DEPENDENCIES.values()}
        assert by_right["moderate"] == {
            ("POST", "/api/meetings/{code}/activities/{activity_id}/moderation"),
            ("POST", "/api/meetings/{code}/qa/questions/{question_id}"),
        }
        assert by_right["clock"] == {
            ("GET", "/api/meetings/{code}/clock"),
            ("POST", "/api/meetings/{code}/signal"),
        }
        assert by_right["lead"] == {
            ("DELETE", "/api/meetings/{code}"),
            ("POST", "/api/meetings/{code}/cohosts"),
            ("POST", "/api/meetings/{code}/host-key"),
            ("POST", "/api/meetings/{code}/presenter-key"),
            ("GET", "/api/meetings/{code}/roles"),
            ("POST", "/api/meetings/{code}/roles/{role}"),
            ("DELETE", "/api/meetings/{code}/roles/{role}"),
            # A series from this meeting, and its next meeting: the lead's, as the keys are.
            ("POST", "/api/meetings/{code}/series"),
            ("POST", "/api/meetings/{code}/series/next"),
        }
        for role in ("cohost", "timekeeper", "moderator"):
            meeting = client.post(
                "/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}
            ).json()
            code, host = meeting["code"], bearer(meeting["host_key"])
            made = make(client, host, code, role)
            assert made["url"].endswith(f"#key={made['key']}") and made["qr_svg"].startswith("<?xml")
            ids = {
                "{code}": code,
                "{activity_id}": str(meeting["activities"][0]["id"]),
                "{block_id}": str(meeting["blocks"][0]["id"]),
                "{role}": role,
                "{question_id}": "1",
            }
            for method, path, right in routes:
                target = path
                for name, value in ids.items():
                    target = target.replace(name, value)
                response = client.request(
                    method, target, json={} if method != "GET" else None, headers=bearer(made["key"])
                )
                refused = (
                    response.status_code == 404
                    and response.json().get("error", {}).get("code") == "unknown_code"
                )
                may = role in RIGHTS[right]
                assert refused != may, (role, method, path, response.status_code, response.text[:200])
                allowed_calls += may
                refused_calls += not may
            # Sockets: the remote's for the co-facilitator and the moderator; the big screen's for the first.
            assert opens_screen(client, code, "host", made["key"]) == (role != "timekeeper"), role
            assert opens_screen(client, code, "presenter", made["key"]) == (role == "cohost"), role
            if role == "timekeeper":
                assert screen_refuses(client, code, "host", {}, {"type": "auth", "key": made["key"]})
            socket_checks += 2
        # Stored as hashes only.
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            row = db.execute(
                "SELECT cohost_key_hash, timekeeper_key_hash, moderator_key_hash FROM meeting WHERE code = ?",
                (code,),
            ).fetchone()
        assert row == (None, None, hash_key(made["key"]))
    figures(
        "WS-AUTHZ",
        role_routes=len(routes),
        role_http_allowed=allowed_calls,
        role_http_refused=refused_calls,
        role_socket_checks=socket_checks,
    )


def test_a_revoked_or_replaced_role_key_stops_at_once(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        meeting = client.post("/api/meetings", json={"title": "Rollen"}).json()
        code, host = meeting["code"], bearer(meeting["host_key"])
        moderator = make(client, host, code, "moderator")
        cohost = make(client, host, code, "cohost")
        assert client.get(f"/api/meetings/{code}/roles", headers=host).json() == {
            "roles": {"cohost": True, "timekeeper": False, "moderator": True}
        }
        # Neither role may make or revoke keys, nor rotate the host's: the host cannot be locked out.
        for key in (moderator["key"], cohost["key"]):
            assert (
                client.delete(f"/api/meetings/{code}/roles/moderator", headers=bearer(key)).status_code == 404
            )
            assert client.post(f"/api/meetings/{code}/host-key", headers=bearer(key)).status_code == 404
        with client.websocket_connect(f"/ws/{code}/host", headers={"origin": ORIGIN}) as ws:
            ws.send_text(json.dumps({"type": "auth", "key": moderator["key"]}))
            assert ws.receive_json()["type"] == "snapshot"
            assert client.delete(f"/api/meetings/{code}/roles/moderator", headers=host).status_code == 204
            assert_forbidden_then_closed(ws)
        assert client.get(f"/api/meetings/{code}/access", headers=bearer(moderator["key"])).status_code == 404
        # A new co-facilitator key replaces the old one: the old one's remote closes.
        with client.websocket_connect(f"/ws/{code}/host", headers={"origin": ORIGIN}) as ws:
            ws.send_text(json.dumps({"type": "auth", "key": cohost["key"]}))
            assert ws.receive_json()["type"] == "snapshot"
            again = make(client, host, code, "cohost")
            assert_forbidden_then_closed(ws)
        assert client.get(f"/api/meetings/{code}", headers=bearer(cohost["key"])).status_code == 404
        assert client.get(f"/api/meetings/{code}", headers=bearer(again["key"])).status_code == 200
        assert client.get(f"/api/meetings/{code}/access", headers=bearer(again["key"])).json() == {
            "role": "cohost"
        }
        assert client.get(f"/api/meetings/{code}/roles", headers=host).json()["roles"]["moderator"] is False


def test_the_timekeepers_signal_reaches_the_remotes_and_its_clock_has_no_notes(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        meeting = client.post(
            "/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}}
        ).json()
        code, host = meeting["code"], bearer(meeting["host_key"])
        timekeeper = bearer(make(client, host, code, "timekeeper")["key"])
        assert client.post(f"/api/meetings/{code}/agenda/next", headers=host).status_code == 200
        view = client.get(f"/api/meetings/{code}/clock", headers=timekeeper).json()
        assert view["agenda"]["current"]["title"] and view["agenda"]["delta_minutes"] is not None
        assert "advice" in view["agenda"]
        assert all("description" not in block and "goal" not in block for block in view["agenda"]["blocks"])
        with client.websocket_connect(f"/ws/{code}/host", headers={"origin": ORIGIN}) as ws:
            ws.send_text(json.dumps({"type": "auth", "key": meeting["host_key"]}))
            assert ws.receive_json()["type"] == "snapshot"
            sent = client.post(f"/api/meetings/{code}/signal", json={"minutes": 5}, headers=timekeeper)
            assert sent.status_code == 202, sent.text
            while (frame := ws.receive_json())["type"] != "signal":
                pass
            assert frame["minutes"] == 5 and frame["at"] == sent.json()["at"]
        bad = client.post(f"/api/meetings/{code}/signal", json={"minutes": 0}, headers=timekeeper)
        assert bad.status_code == 422


def test_a_moderator_moderates_but_cannot_steer(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        meeting = client.post("/api/meetings", json={"title": "Modereren"}).json()
        code, host = meeting["code"], bearer(meeting["host_key"])
        cloud = client.post(
            f"/api/meetings/{code}/activities", json={"kind": "wordcloud"}, headers=host
        ).json()
        moderator = bearer(make(client, host, code, "moderator")["key"])
        base = f"/api/meetings/{code}/activities/{cloud['id']}"
        hidden = client.post(
            f"{base}/moderation", json={"action": "hide_word", "key": "rot"}, headers=moderator
        )
        assert hidden.status_code == 200 and "rot" in hidden.json()["moderation"]["hidden_words"]
        for method, path in (
            ("POST", f"{base}/open"),
            ("POST", f"{base}/close"),
            ("POST", f"/api/meetings/{code}/next"),
            ("POST", f"/api/meetings/{code}/agenda/next"),
            ("POST", f"{base}/visibility"),
            ("GET", f"/api/meetings/{code}/clock"),
        ):
            refused = client.request(method, path, json={} if method == "POST" else None, headers=moderator)
            assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_code", path
        after = client.get(f"/api/meetings/{code}", headers=host).json()
        assert after["current_activity_id"] is None
        assert [a["status"] for a in after["activities"]] == ["idle"]

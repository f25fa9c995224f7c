"""The HTTP API: meetings, activities, host-key checks, joining and the QR codes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.domain.meeting import CODE_ALPHABET, CODE_LENGTH
from server.routes import join
from tests.factories import add_activity, auth, client_for, make_meeting


@pytest.fixture
def client(database_url: str) -> Any:
    with client_for(database_url) as client:
        yield client


def test_create_meeting_returns_code_urls_and_keys(client: TestClient) -> None:
    meeting = make_meeting(client, language="en")
    assert len(meeting["code"]) == CODE_LENGTH and set(meeting["code"]) <= set(CODE_ALPHABET)
    # The join link carries the join secret in its fragment (never sent to the server).
    secret = meeting["join_url"].split("#j=", 1)[1]
    assert meeting["join_url"] == f"http://127.0.0.1:8000/{meeting['code']}#j={secret}"
    assert len(secret) == 16
    assert len(meeting["host_key"]) >= 32  # 24 random bytes, url-safe: 192 bits
    assert meeting["host_url"].endswith(f"#key={meeting['host_key']}")
    assert meeting["language"] == "en" and meeting["activities"] == []


def test_code_alphabet_has_no_ambiguous_characters_and_enough_codes() -> None:
    assert not set("IL0O1") & set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 30**6


def test_create_meeting_rejects_bad_body_with_named_field(client: TestClient) -> None:
    response = client.post("/api/meetings", json={"title": "", "language": "fr"})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid_request" and "title" in body["message"]


def test_host_actions_need_the_right_host_key(client: TestClient) -> None:
    meeting, other = make_meeting(client), make_meeting(client)
    path = f"/api/meetings/{meeting['code']}/activities"
    unknown = client.post("/api/meetings/ZZZZZZ/activities", json={"kind": "open"})
    # No key, a wrong key, another meeting's key: each answered exactly as an unknown code.
    for headers in ({}, {"Authorization": "Bearer nope"}, auth(other)):
        refused = client.post(path, json={"kind": "open"}, headers=headers)
        assert (refused.status_code, refused.json()) == (404, unknown.json()), headers
    assert client.get(f"/api/meetings/{meeting['code']}", headers=auth(meeting)).json()["activities"] == []


def test_activities_get_defaults_from_the_run_sheet(client: TestClient) -> None:
    meeting = make_meeting(client)
    scales = add_activity(client, meeting, "scales")
    assert scales["settings"]["label_low"] == "Dat geldt helemaal niet voor mij"
    assert len(scales["settings"]["statements"]) == 5
    cloud = add_activity(client, meeting, "wordcloud")
    assert cloud["prompt"] == "Waar denk jij aan bij Inclusie?"
    assert cloud["settings"]["max_entries"] == 3


def test_activities_edit_reorder_delete(client: TestClient) -> None:
    meeting = make_meeting(client)
    base = f"/api/meetings/{meeting['code']}"
    a, b, c = (add_activity(client, meeting, kind) for kind in ("open", "choice", "checkout"))
    edited = client.patch(f"{base}/activities/{b['id']}", json={"prompt": "Eens?"}, headers=auth(meeting))
    assert edited.json()["prompt"] == "Eens?"
    order = client.put(f"{base}/order", json={"order": [c["id"], a["id"], b["id"]]}, headers=auth(meeting))
    assert [x["id"] for x in order.json()["activities"]] == [c["id"], a["id"], b["id"]]
    bad = client.put(f"{base}/order", json={"order": [a["id"]]}, headers=auth(meeting))
    assert bad.json()["error"]["code"] == "invalid_order"
    assert client.delete(f"{base}/activities/{a['id']}", headers=auth(meeting)).status_code == 204
    left = client.get(base, headers=auth(meeting)).json()["activities"]
    assert [(x["id"], x["position"]) for x in left] == [(c["id"], 0), (b["id"], 1)]


def test_invalid_settings_are_refused_with_a_clear_error(client: TestClient) -> None:
    meeting = make_meeting(client)
    response = client.post(
        f"/api/meetings/{meeting['code']}/activities",
        json={"kind": "choice", "settings": {"options": ["alleen"]}},
        headers=auth(meeting),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_settings"


def test_open_close_and_next_run_the_meeting(client: TestClient) -> None:
    meeting = make_meeting(client, demo=True)
    base = f"/api/meetings/{meeting['code']}"
    first = client.post(f"{base}/next", headers=auth(meeting)).json()
    assert first["current_activity_id"] == meeting["activities"][0]["id"]
    second = client.post(f"{base}/next", headers=auth(meeting)).json()
    statuses = {a["id"]: a["status"] for a in second["activities"]}
    assert statuses[meeting["activities"][0]["id"]] == "closed"
    assert statuses[meeting["activities"][1]["id"]] == "open"
    closed = client.post(
        f"{base}/activities/{second['current_activity_id']}/close", headers=auth(meeting)
    ).json()
    assert {a["id"]: a["status"] for a in closed["activities"]}[second["current_activity_id"]] == "closed"
    lobby = client.post(f"{base}/current", json={"activity_id": None}, headers=auth(meeting)).json()
    assert lobby["current_activity_id"] is None


def test_reset_needs_explicit_confirmation(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "open")
    path = f"/api/meetings/{meeting['code']}/activities/{activity['id']}/reset"
    refused = client.post(path, json={"confirm": False}, headers=auth(meeting))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "confirmation_required"
    assert client.post(path, json={}, headers=auth(meeting)).status_code == 422
    assert client.post(path, json={"confirm": True}, headers=auth(meeting)).status_code == 200


def test_visibility_and_moderation(client: TestClient) -> None:
    meeting = make_meeting(client)
    cloud = add_activity(client, meeting, "wordcloud")
    base = f"/api/meetings/{meeting['code']}/activities/{cloud['id']}"
    shown = client.post(
        f"{base}/visibility", json={"phones": True, "presenter": False}, headers=auth(meeting)
    )
    assert (shown.json()["show_results_phones"], shown.json()["show_results_presenter"]) == (True, False)
    hidden = client.post(
        f"{base}/moderation", json={"action": "hide_word", "key": "rot"}, headers=auth(meeting)
    )
    assert "rot" in hidden.json()["moderation"]["hidden_words"]
    wrong = client.post(
        f"{base}/moderation", json={"action": "highlight", "entry_id": 1}, headers=auth(meeting)
    )
    assert wrong.json()["error"]["code"] == "wrong_kind"


def test_join_sets_httponly_lax_cookie_and_rejoins_same_participant(client: TestClient) -> None:
    meeting = make_meeting(client)
    response = client.post(f"/api/join/{meeting['code']}", json={"nickname": "  Anna  "})
    assert response.json()["nickname"] == "Anna"
    cookie = response.headers["set-cookie"]
    assert f"kring_{meeting['code']}=" in cookie
    assert "HttpOnly" in cookie and re.search("SameSite=lax", cookie, re.I)
    again = client.post(f"/api/join/{meeting['code']}", json={})
    assert "set-cookie" not in again.headers  # the same participant: no new cookie
    assert again.json()["nickname"] == "Anna"


def test_the_join_fast_path_answers_exactly_as_the_route(database_url: str, monkeypatch: Any) -> None:
    """``JoinFastPath`` takes common joins past FastAPI's router; the answer is the route's."""
    taken: list[bool] = []
    fast = join.JoinFastPath._fast

    async def spy(self: join.JoinFastPath, *args: Any) -> bool:
        taken.append(await fast(self, *args))
        return taken[-1]

    monkeypatch.setattr(join.JoinFastPath, "_fast", spy)

    def joins(**overrides: Any) -> list[tuple[int, Any, dict[str, str]]]:
        out = []
        with client_for(database_url, **overrides) as client:
            code = make_meeting(client, title="Fast")["code"]
            for path, body, cookie in (
                (f"/api/join/{code}", {"nickname": "  Anna  "}, True),  # new: a cookie
                (f"/api/join/{code}", {}, True),  # the same participant again: no cookie
                (f"/api/join/{code.lower()}", {"nickname": None}, False),  # lower case, a new phone
                (f"/api/join/{code}", {"nickname": "x" * 41}, False),  # too long: the route's 422
                (f"/api/join/{code}", {"nick": "A"}, False),  # unknown field: 422
                (f"/api/join/{code}", "not json", False),
                ("/api/join/ZZZZZZ", {}, False),  # unknown: 404, counted once
            ):
                if not cookie:
                    client.cookies.clear()
                kwargs: dict[str, Any] = {"content": body} if isinstance(body, str) else {"json": body}
                response = client.post(path, **kwargs)
                headers = {k: v for k, v in response.headers.items() if k not in ("date", "content-length")}
                if "set-cookie" in headers:
                    cookie_text = headers["set-cookie"].replace(code, "CODE")
                    headers["set-cookie"] = re.sub(r"=[^;]+;", "=TOKEN;", cookie_text, count=1)
                text = response.text.replace(code, "CODE")
                parsed = json.loads(text) if text.startswith("{") else text
                out.append((response.status_code, parsed, headers))
        return out

    fast_answers = joins()
    assert taken == [True, True, True, False, False, False, False]
    taken.clear()
    route_answers = joins(naive_broadcast=True)  # the benchmark's naive mode turns it off
    assert taken == []
    assert fast_answers == route_answers
    assert [status for status, _, _ in fast_answers] == [200, 200, 200, 422, 422, 422, 404]
    assert "HttpOnly" in fast_answers[0][2]["set-cookie"] and "set-cookie" not in fast_answers[1][2]
    assert fast_answers[0][2]["content-security-policy"].startswith("default-src")


def test_unknown_codes_are_counted_once_each_then_429(database_url: str) -> None:
    with client_for(database_url, join_failures_allowed=5) as client:
        code = make_meeting(client)["code"]
        statuses = [client.post("/api/join/ZZZZZZ", json={}).status_code for _ in range(7)]
        assert statuses == [404] * 5 + [429] * 2
        blocked = client.post(f"/api/join/{code}", json={})  # the right code, from a blocked client
        assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_attempts"


def test_a_blocked_client_still_joins_with_the_join_secret_or_its_cookie(database_url: str) -> None:
    """A room behind one address is not locked out by a guesser there: the QR link's secret and a
    participant cookie of the meeting get in; a typed code, a wrong secret or another meeting's
    cookie get what an unknown code gets."""
    with client_for(database_url, join_failures_allowed=3) as client:
        meeting, other = make_meeting(client), make_meeting(client)
        code, secret = meeting["code"], meeting["join_url"].split("#j=", 1)[1]
        joined = client.post(f"/api/join/{code}", json={})
        cookie = joined.cookies[f"kring_{code}"]
        other_cookie = client.post(f"/api/join/{other['code']}", json={}).cookies[f"kring_{other['code']}"]
        client.cookies.clear()
        assert [client.post("/api/join/ZZZZZZ", json={}).status_code for _ in range(4)] == [404] * 3 + [429]
        refused = client.post("/api/join/ZZZZZZ", json={}).json()

        def join(body: dict[str, str], cookies: dict[str, str] | None = None) -> tuple[int, object]:
            client.cookies.clear()
            for name, value in (cookies or {}).items():
                client.cookies.set(name, value)
            response = client.post(f"/api/join/{code}", json=body)
            return response.status_code, response.json()

        assert join({})[0] == 429 and join({})[1] == refused  # typed: as an unknown code
        assert join({"secret": "not-the-secret"}) == (429, refused)
        assert join({}, {f"kring_{code}": other_cookie}) == (429, refused)
        assert join({"secret": secret})[0] == 200
        assert join({}, {f"kring_{code}": cookie})[0] == 200
        looked_up = client.get(f"/api/join/{code}", headers={"X-Join-Secret": secret})
        assert looked_up.status_code == 200 and looked_up.json()["title"] == meeting["title"]


def test_unknown_code_is_404_with_dutch_page(client: TestClient) -> None:
    assert client.post("/api/join/ZZZZZZ", json={}).status_code == 404
    assert client.get("/api/join/ZZZZZZ").json()["error"]["code"] == "unknown_code"
    page = client.get("/ZZ!")  # not even a code: the join page says so
    assert page.status_code == 404 and "Deze code kennen we niet" in page.text


def test_qr_codes_for_the_join_url(client: TestClient) -> None:
    meeting = make_meeting(client)
    code = meeting["code"]
    for key in (meeting["presenter_key"], meeting["host_key"]):
        svg = client.get(f"/api/meetings/{code}/qr.svg", headers={"Authorization": f"Bearer {key}"})
        assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
        png = client.get(f"/api/meetings/{code}/qr.png", headers={"Authorization": f"Bearer {key}"})
        assert png.content.startswith(b"\x89PNG")
    # It holds the join secret: without a screen's key, as an unknown code.
    assert client.get(f"/api/meetings/{code}/qr.svg").json()["error"]["code"] == "unknown_code"


def test_host_key_never_appears_on_participant_page(client: TestClient) -> None:
    meeting = make_meeting(client, demo=True)
    for path in (f"/{meeting['code']}", f"/m/{meeting['code']}/present", f"/api/join/{meeting['code']}"):
        body = client.get(path).text
        assert meeting["host_key"] not in body and meeting["presenter_key"] not in body


def test_pages_carry_security_headers(client: TestClient) -> None:
    meeting = make_meeting(client)
    for path in ("/", f"/{meeting['code']}", f"/m/{meeting['code']}/remote", "/login", "/api/templates"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        assert headers["x-content-type-options"] == "nosniff", path


def test_no_api_explorer_page_only_the_schema(client: TestClient) -> None:
    # Swagger UI and ReDoc load from a CDN: Kring makes no third-party requests.
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Kring"


def test_unknown_and_deleted_meetings_answer_byte_for_byte_alike(client: TestClient) -> None:
    meeting = make_meeting(client)
    gone = meeting["code"]
    assert client.delete(f"/api/meetings/{gone}", headers=auth(meeting)).status_code == 204
    never = next(c for c in ("ZZZZZZ", "YYYYYY") if c != gone)

    def answer(code: str) -> list[tuple[int, bytes, list[tuple[str, str]]]]:
        client.cookies.clear()
        out = []
        for response in (
            client.get(f"/api/join/{code}"),
            client.post(f"/api/join/{code}", json={}),
            client.get(f"/api/meetings/{code}/qr.svg"),
            client.get(f"/{code}"),
        ):
            headers = sorted(
                (k, v) for k, v in response.headers.items() if k not in ("date", "content-length")
            )
            out.append((response.status_code, response.content.replace(code.encode(), b"CODE"), headers))
        return out

    assert answer(gone) == answer(never)
    assert answer(never)[0][0] == 404


def test_an_activity_made_private_hides_its_results_until_shown(client: TestClient) -> None:
    meeting = make_meeting(client)
    activity = add_activity(client, meeting, "cards")
    assert activity["show_results_presenter"] is True
    path = f"/api/meetings/{meeting['code']}/activities/{activity['id']}"
    client.post(f"{path}/visibility", json={"phones": True}, headers=auth(meeting))
    made = client.patch(path, json={"settings": {"private": True}}, headers=auth(meeting)).json()
    assert (made["show_results_presenter"], made["show_results_phones"]) == (False, False)
    shown = client.post(f"{path}/visibility", json={"presenter": True}, headers=auth(meeting)).json()
    assert shown["show_results_presenter"] is True  # the facilitator's explicit choice
    again = client.patch(path, json={"settings": {"private": True, "ask_name": False}}, headers=auth(meeting))
    assert again.json()["show_results_presenter"] is True  # still private: the choice stays

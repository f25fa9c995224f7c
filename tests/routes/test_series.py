"""The series routes and the network pass over HTTP and the websocket: who may do what, the pass on
one phone and by its code on another, the trend only for its owner, before and after."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.db.engine import make_engine
from server.db.tables import Meeting, SeriesParticipant
from tests.conftest import migrated_sqlite_url
from tests.factories import (
    ORIGIN,
    client_for,
    database_with_accounts,
    open_activity,
    phone_socket,
    screen_socket,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def url(tmp_path: object) -> str:
    found = migrated_sqlite_url(tmp_path)
    return found


@pytest.fixture
def client(url: str) -> Any:
    with client_for(url) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def network(client: TestClient, meetings: int = 2) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    made = client.post("/api/series", json={"title": "Lerend netwerk Inclusie", "theme": "Inclusie"})
    assert made.status_code == 201, made.text
    series = made.json()
    added = []
    for _ in range(meetings):
        response = client.post(f"/api/series/{series['id']}/meetings", json={}, headers=bearer(series["key"]))
        assert response.status_code == 201, response.text
        added.append(response.json())
    return series, added


def linked(client: TestClient, meeting: dict[str, Any], link: str) -> dict[str, Any]:
    found = client.get(f"/api/meetings/{meeting['code']}", headers=bearer(meeting["host_key"])).json()
    (activity,) = [a for a in found["activities"] if a["series_link"] == link]
    return activity


def test_a_series_gets_its_meetings_from_the_kickoff_and_followup_templates(client: TestClient) -> None:
    series, (first, second) = network(client)
    assert (first["position"], second["position"]) == (1, 2)
    assert first["title"] == "Lerend netwerk Inclusie — bijeenkomst 1 (kick-off)"
    assert second["title"] == "Lerend netwerk Inclusie — bijeenkomst 2"
    got = client.get(f"/api/series/{series['id']}", headers=bearer(series["key"])).json()
    assert [m["code"] for m in got["meetings"]] == [first["code"], second["code"]]
    assert got["next_template"] == "followup" and "key" not in got
    # The remote of any of its meetings sees the series.
    panel = client.get(f"/api/meetings/{second['code']}/series", headers=bearer(second["host_key"])).json()
    assert panel["position"] == 2 and panel["series"]["id"] == series["id"]
    public = client.get(f"/api/join/{second['code']}").json()
    assert public["series_position"] == 2
    # The next meeting from the remote of meeting 2.
    third = client.post(
        f"/api/meetings/{second['code']}/series/next", json={}, headers=bearer(second["host_key"])
    )
    assert third.status_code == 201 and third.json()["position"] == 3


def test_series_refuses_whoever_is_not_its_facilitator(client: TestClient) -> None:
    series, (first,) = network(client, 1)
    other, _ = network(client, 0)
    path = f"/api/series/{series['id']}"
    for headers in ({}, bearer("nope"), bearer(other["key"]), bearer(first["host_key"])):
        for method, body in (("GET", None), ("PATCH", {"title": "x"}), ("POST", {})):
            target = f"{path}/meetings" if method == "POST" else path
            response = client.request(method, target, json=body, headers=headers)
            assert response.status_code == 404, (method, headers, response.text)
            assert response.json()["error"]["code"] == "unknown_series"
    unknown = client.get("/api/series/99999", headers=bearer(series["key"]))
    assert unknown.json()["error"]["code"] == "unknown_series"  # as a wrong key: nothing told apart
    assert client.get("/api/series").json()["error"]["code"] == "login_required"


def test_series_retention_reaches_every_meeting(client: TestClient, url: str) -> None:
    series, (first,) = network(client, 1)
    response = client.patch(
        f"/api/series/{series['id']}", json={"retention_days": 30}, headers=bearer(series["key"])
    )
    assert response.status_code == 200 and response.json()["retention_days"] == 30
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.exec(select(Meeting.retention_days).where(Meeting.code == first["code"])).one() == 30
    engine.dispose()
    bad = client.patch(
        f"/api/series/{series['id']}", json={"retention_days": 0}, headers=bearer(series["key"])
    )
    assert bad.status_code == 422


def test_with_accounts_only_the_series_facilitators_open_it(tmp_path: object) -> None:
    url = migrated_sqlite_url(tmp_path)
    database_with_accounts(url, ("a@example.org", PASSWORD, "A"), ("b@example.org", PASSWORD, "B"))
    with client_for(url) as client:
        assert client.post("/api/series", json={"title": "X"}).json()["error"]["code"] == "login_required"
        csrf = client.post("/api/login", json={"email": "a@example.org", "password": PASSWORD}).json()[
            "csrf_token"
        ]
        made = client.post("/api/series", json={"title": "Netwerk"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201
        series = made.json()
        no_csrf = client.post(f"/api/series/{series['id']}/meetings", json={"values": {"thema": "X"}})
        assert no_csrf.json()["error"]["code"] == "csrf"
        added = client.post(
            f"/api/series/{series['id']}/meetings",
            json={"values": {"thema": "X"}},
            headers={"X-CSRF-Token": csrf},
        )
        assert added.status_code == 201, added.text
        assert [s["id"] for s in client.get("/api/series").json()] == [series["id"]]
        client.post("/api/logout", headers={"X-CSRF-Token": csrf})
        csrf = client.post("/api/login", json={"email": "b@example.org", "password": PASSWORD}).json()[
            "csrf_token"
        ]
        assert client.get("/api/series").json() == []
        refused = client.get(f"/api/series/{series['id']}")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_series"
        refused = client.post(f"/api/series/{series['id']}/meetings", json={}, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 404


def test_a_meeting_becomes_the_start_of_a_series_from_its_remote(client: TestClient) -> None:
    meeting = client.post("/api/meetings", json={"template": "kickoff", "values": {"thema": "Zorg"}}).json()
    made = client.post(
        f"/api/meetings/{meeting['code']}/series", json={}, headers=bearer(meeting["host_key"])
    )
    assert made.status_code == 201, made.text
    series = made.json()
    assert series["meetings"][0]["code"] == meeting["code"] and series["key"]
    again = client.post(
        f"/api/meetings/{meeting['code']}/series", json={}, headers=bearer(meeting["host_key"])
    )
    assert again.json()["error"]["code"] == "in_another_series"


def test_links_are_set_by_the_host(client: TestClient) -> None:
    _, (first, second) = network(client)
    checklist = linked(client, second, "actieleren-checklist")
    path = f"/api/meetings/{second['code']}/activities/{checklist['id']}/link"
    assert client.put(path, json={"link": None}).status_code == 404  # no key
    assert (
        client.put(path, json={"link": None}, headers=bearer(second["host_key"])).json()["series_link"]
        is None
    )
    assert (
        client.put(path, json={"link": "leervoorkeuren"}, headers=bearer(second["host_key"])).json()["error"][
            "code"
        ]
        == "link_taken"
    )
    again = client.put(path, json={"link": "actieleren-checklist"}, headers=bearer(second["host_key"]))
    assert again.json()["series_link"] == "actieleren-checklist"
    assert first["code"] != second["code"]


def take_pass(client: TestClient, meeting: dict[str, Any]) -> dict[str, Any]:
    joined = client.post(f"/api/join/{meeting['code']}", json={})
    assert joined.status_code == 200
    status = client.get(f"/api/join/{meeting['code']}/pass").json()
    assert status["number"] is None and status["position"] == meeting["position"]
    taken = client.post(f"/api/join/{meeting['code']}/pass")
    assert taken.status_code == 200, taken.text
    body: dict[str, Any] = taken.json()
    assert body["qr_svg"].startswith("<?xml") or "<svg" in body["qr_svg"]
    assert body["url"].endswith(f"#pass={body['code']}")
    return body


def answer(ws: Any, activity_id: int, slot: str, value: int, client_id: str) -> None:
    ws.send_json(
        {
            "type": "answer",
            "activity_id": activity_id,
            "slot": slot,
            "value": {"value": value},
            "client_id": client_id,
        }
    )
    for _ in range(30):
        message = ws.receive_json()
        if message["type"] == "ack" and message["client_id"] == client_id:
            return
        assert message["type"] != "error", message
    raise AssertionError("no ack")


def test_the_pass_joins_by_cookie_and_by_code_on_a_second_device_over_the_websocket(
    client: TestClient, url: str
) -> None:
    series, (first, second) = network(client)
    before = linked(client, first, "actieleren-checklist")
    after = linked(client, second, "actieleren-checklist")
    open_activity(client, {"code": first["code"], "host_key": first["host_key"]}, before["id"])
    open_activity(client, {"code": second["code"], "host_key": second["host_key"]}, after["id"])

    taken = take_pass(client, first)  # phone A, meeting 1
    assert client.cookies.get(f"kring_pass_{series['id']}")
    with phone_socket(client, first) as ws:
        answer(ws, before["id"], "0", 2, "a1")
    # Meeting 2, the same phone: its pass cookie joins it as the same pseudonym.
    back = client.post(f"/api/join/{second['code']}/pass/join", json={})
    assert back.status_code == 200, back.text
    assert back.json()["number"] == taken["number"]
    with phone_socket(client, second) as ws:
        answer(ws, after["id"], "0", 4, "a2")
    mine = client.get(f"/api/join/{second['code']}/trend/{after['id']}").json()["trend"]
    assert [(m["position"], m["values"]) for m in mine["meetings"]] == [(1, {"0": 2.0}), (2, {"0": 4.0})]

    # Phone B, another device: no cookies at all, only the code typed in (any case, no dashes).
    device_a = dict(client.cookies)
    client.cookies.clear()
    assert client.post(f"/api/join/{second['code']}/pass/join", json={}).json()["error"]["code"] == "no_pass"
    typed = taken["code"].replace("-", "").lower()
    on_b = client.post(f"/api/join/{second['code']}/pass/join", json={"code": typed})
    assert on_b.status_code == 200, on_b.text and on_b.json()["number"] == taken["number"]
    assert not any(name.startswith("kring_pass_") for name in client.cookies)  # the cookie stays on A
    with phone_socket(client, second) as ws:
        answer(ws, after["id"], "0", 5, "b1")  # the same participant: it replaces A's 4
    mine = client.get(f"/api/join/{second['code']}/trend/{after['id']}").json()["trend"]
    assert mine["meetings"][-1]["values"] == {"0": 5.0}

    # A phone without a pass sees no trend; nobody but the pseudonym's own cookie opens it.
    client.cookies.clear()
    client.post(f"/api/join/{second['code']}", json={})
    assert client.get(f"/api/join/{second['code']}/trend/{after['id']}").json() == {"trend": None}
    client.cookies.clear()
    assert (
        client.get(f"/api/join/{second['code']}/trend/{after['id']}").json()["error"]["code"] == "not_joined"
    )
    client.cookies.update(device_a)

    engine = make_engine(url)
    with Session(engine) as session:
        assert len(session.exec(select(SeriesParticipant)).all()) == 1
    engine.dispose()


def test_wrong_pass_codes_count_against_the_client(client: TestClient) -> None:
    _, (first, second) = network(client)
    take_pass(client, first)
    client.cookies.clear()
    refused = [
        client.post(f"/api/join/{second['code']}/pass/join", json={"code": f"ABCD-EFGH-{n:04d}"}).json()[
            "error"
        ]["code"]
        for n in range(21)
    ]
    assert refused[0] == "unknown_pass" and refused[-1] == "too_many_attempts"
    assert refused.count("unknown_pass") == 20


def test_the_big_screen_shows_meeting_one_beside_two_over_three_matched_only(client: TestClient) -> None:
    _, (first, second) = network(client)
    before = linked(client, first, "actieleren-checklist")
    after = linked(client, second, "actieleren-checklist")
    open_activity(client, {"code": first["code"], "host_key": first["host_key"]}, before["id"])
    open_activity(client, {"code": second["code"], "host_key": second["host_key"]}, after["id"])
    path = f"/api/meetings/{second['code']}/activities/{after['id']}/compare"
    for n, (was, now) in enumerate([(1, 3), (2, 4), (3, 5)]):
        client.cookies.clear()
        take_pass(client, first)
        with phone_socket(client, first) as ws:
            answer(ws, before["id"], "0", was, f"p{n}")
        client.post(f"/api/join/{second['code']}/pass/join", json={})
        with phone_socket(client, second) as ws:
            answer(ws, after["id"], "0", now, f"q{n}")
        shown = client.get(path, headers=bearer(second["presenter_key"])).json()["compare"]
        statement = shown["statements"][0]
        if n < 2:
            assert statement["before"] is None and statement["change"] is None
            assert statement["suppressed"] and "3" in statement["suppressed"]
        else:
            assert statement["matched"] == 3 and statement["change"] == 2.0
            assert statement["before"]["mean"] == 2.0 and statement["after"]["sd"] == 0.82
    client.cookies.clear()
    assert client.get(path).status_code == 404  # the screen's key or a host's only
    with screen_socket(client, {"code": second["code"]}) as ws:
        ws.send_json({"type": "auth", "key": second["presenter_key"]})
        assert ws.receive_json()["type"] in {"state", "snapshot", "hello", "beside", "agenda"}
    assert ORIGIN

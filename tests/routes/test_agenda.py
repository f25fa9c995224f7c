"""The agenda API: blocks, moving through them, timing from an injected clock, and the frames."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    ManualClock,
    add_activity,
    auth,
    client_for,
    join,
    make_meeting,
    phone_socket,
    screen_socket,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def client(database_url: str, clock: ManualClock) -> Any:
    with client_for(database_url, clock) as client:
        yield client


def add_block(client: TestClient, meeting: dict[str, Any], title: str, minutes: int, **body: Any) -> Any:
    response = client.post(
        f"/api/meetings/{meeting['code']}/blocks",
        json={"title": title, "duration_minutes": minutes, **body},
        headers=auth(meeting),
    )
    assert response.status_code == 201, response.text
    return response.json()


def post(client: TestClient, meeting: dict[str, Any], path: str) -> Any:
    response = client.post(f"/api/meetings/{meeting['code']}{path}", headers=auth(meeting))
    assert response.status_code == 200, response.text
    return response.json()


def agenda(client: TestClient, meeting: dict[str, Any]) -> Any:
    response = client.get(f"/api/meetings/{meeting['code']}/agenda", headers=auth(meeting))
    assert response.status_code == 200, response.text
    return response.json()["agenda"]


def kickoff_like(client: TestClient) -> tuple[dict[str, Any], list[Any], list[Any]]:
    meeting = make_meeting(client)
    blocks = [
        add_block(client, meeting, "Opening", 30),
        add_block(client, meeting, "Pauze", 10, essential=False, is_break=True),
        add_block(client, meeting, "Kennissnack", 45, essential=False),
        add_block(client, meeting, "Check-out", 5),
    ]
    activities = [
        add_activity(client, meeting, "open", block_id=blocks[0]["id"]),
        add_activity(client, meeting, "checkout", block_id=blocks[3]["id"]),
    ]
    return meeting, blocks, activities


def test_blocks_are_listed_in_order_with_their_activities(client: TestClient) -> None:
    meeting, blocks, activities = kickoff_like(client)
    got = client.get(f"/api/meetings/{meeting['code']}", headers=auth(meeting)).json()
    assert [b["title"] for b in got["blocks"]] == ["Opening", "Pauze", "Kennissnack", "Check-out"]
    assert got["blocks"][0]["activity_ids"] == [activities[0]["id"]]
    assert got["activities"][1]["block_id"] == blocks[3]["id"]
    plan = agenda(client, meeting)
    assert plan["planned_minutes"] == 90 and plan["started_at"] is None and plan["current"] is None
    assert plan["next"]["title"] == "Opening"


def test_entering_a_block_starts_the_clock_and_offers_its_first_activity(
    client: TestClient, clock: ManualClock
) -> None:
    meeting, blocks, activities = kickoff_like(client)
    out = post(client, meeting, f"/blocks/{blocks[0]['id']}/enter")
    assert out["current_activity_id"] == activities[0]["id"]
    assert out["activities"][0]["status"] == "idle"  # offered, not opened
    clock.advance(minutes=12)
    view = agenda(client, meeting)
    assert view["current"]["title"] == "Opening"
    assert view["current"]["remaining_seconds"] == 18 * 60
    assert view["delta_label"] == "op schema"


def test_running_late_shows_the_delta_and_advice_on_optional_blocks(
    client: TestClient, clock: ManualClock
) -> None:
    meeting, _blocks, _ = kickoff_like(client)
    post(client, meeting, "/agenda/next")  # Opening
    clock.advance(minutes=40)  # ten minutes over
    view = agenda(client, meeting)
    assert view["delta_minutes"] == 10 and view["delta_label"] == "10 min achter"
    assert view["current"]["overtime"] is True
    advice = {a["title"]: a for a in view["advice"]}
    assert set(advice) == {"Kennissnack"}  # the longest optional block; never the essential ones
    assert advice["Kennissnack"]["action"] == "shorten" and advice["Kennissnack"]["minutes_saved"] == 10
    assert view["advice_recovers"] is True
    post(client, meeting, "/agenda/next")  # the break
    post(client, meeting, "/agenda/next")  # skip ahead past Kennissnack? no: enter it
    view = agenda(client, meeting)
    assert view["current"]["title"] == "Kennissnack"
    statuses = {b["title"]: b["status"] for b in view["blocks"]}
    assert statuses == {"Opening": "done", "Pauze": "done", "Kennissnack": "current", "Check-out": "upcoming"}


def test_skipping_a_block_saves_its_time_and_ending_stops_the_clock(
    client: TestClient, clock: ManualClock
) -> None:
    meeting, blocks, activities = kickoff_like(client)
    post(client, meeting, "/agenda/next")
    clock.advance(minutes=30)
    out = post(client, meeting, f"/blocks/{blocks[3]['id']}/enter")  # straight to the check-out
    assert out["current_activity_id"] == activities[1]["id"]
    view = agenda(client, meeting)
    statuses = {b["title"]: b["status"] for b in view["blocks"]}
    assert statuses["Pauze"] == "skipped" and statuses["Kennissnack"] == "skipped"
    assert view["delta_minutes"] == -55 and view["delta_label"] == "55 min voor"
    clock.advance(minutes=5)
    post(client, meeting, "/agenda/next")  # past the last block: the agenda ends
    view = agenda(client, meeting)
    assert view["ended_at"] is not None and view["running"] is False and view["current"] is None
    clock.advance(minutes=60)
    assert agenda(client, meeting)["delta_minutes"] == -55  # the clock stopped at the end


def test_going_back_adds_to_the_time_already_spent(client: TestClient, clock: ManualClock) -> None:
    meeting, _blocks, _ = kickoff_like(client)
    post(client, meeting, "/agenda/next")
    clock.advance(minutes=20)
    post(client, meeting, "/agenda/next")
    clock.advance(minutes=3)
    post(client, meeting, "/agenda/previous")
    clock.advance(minutes=5)
    view = agenda(client, meeting)
    assert view["current"]["title"] == "Opening" and view["current"]["elapsed_seconds"] == 25 * 60
    elapsed = {b["title"]: b["elapsed_seconds"] for b in view["blocks"]}
    assert elapsed["Pauze"] == 3 * 60


def test_opening_an_activity_of_another_block_moves_the_agenda(
    client: TestClient, clock: ManualClock
) -> None:
    meeting, _blocks, activities = kickoff_like(client)
    post(client, meeting, "/agenda/next")
    clock.advance(minutes=30)
    out = post(client, meeting, f"/activities/{activities[1]['id']}/open")
    assert agenda(client, meeting)["current"]["title"] == "Check-out"
    assert out["current_activity_id"] == activities[1]["id"]
    assert [a["status"] for a in out["activities"]] == ["idle", "open"]


def test_a_break_closes_the_activity_before_it_and_shows_the_waiting_screen(
    client: TestClient, clock: ManualClock
) -> None:
    meeting, blocks, activities = kickoff_like(client)
    post(client, meeting, "/agenda/next")  # Opening, its question on screen
    post(client, meeting, f"/activities/{activities[0]['id']}/open")
    join(client, meeting, "Ans")
    with phone_socket(client, meeting) as phone:
        frame = phone.receive_json()
        while frame["type"] != "state":
            frame = phone.receive_json()
        assert frame["activity"]["id"] == activities[0]["id"] and frame["activity"]["status"] == "open"
        out = post(client, meeting, "/agenda/next")  # the break: no activities of its own
        assert out["current_activity_id"] is None
        assert [a["status"] for a in out["activities"]] == ["closed", "idle"]
        frame = phone.receive_json()
        while frame["type"] != "state" or frame["activity"] is not None:  # frames of before the move
            frame = phone.receive_json()
        assert frame["agenda"]["now"]["is_break"] is True
        # An answer sent to it now (a phone that had not heard yet) is refused, not counted.
        phone.send_json(
            {
                "type": "answer",
                "activity_id": activities[0]["id"],
                "slot": "0",
                "value": {"text": "nog even"},
                "client_id": "late1",
            }
        )
        frame = phone.receive_json()
        while frame["type"] not in ("ack", "error"):
            frame = phone.receive_json()
        assert frame["type"] == "error"
    # The next block with activities puts its first one on screen, ready to open.
    post(client, meeting, "/agenda/next")  # Kennissnack: no activities either
    out = post(client, meeting, "/agenda/next")  # Check-out
    assert out["current_activity_id"] == activities[1]["id"]
    assert [a["status"] for a in out["activities"]] == ["closed", "idle"]
    # Going back into the Opening offers its (closed) question again; nothing reopens by itself.
    out = post(client, meeting, f"/blocks/{blocks[0]['id']}/enter")
    assert out["current_activity_id"] == activities[0]["id"]
    assert [a["status"] for a in out["activities"]] == ["closed", "idle"]


def test_block_validation_and_errors_name_the_problem(client: TestClient) -> None:
    meeting, _blocks, _ = kickoff_like(client)
    code = meeting["code"]
    bad = client.post(
        f"/api/meetings/{code}/blocks", json={"title": "X", "duration_minutes": 0}, headers=auth(meeting)
    )
    assert bad.status_code == 422 and "duration_minutes" in bad.json()["error"]["message"]
    bad = client.post(
        f"/api/meetings/{code}/blocks",
        json={"title": "X", "duration_minutes": 5, "start_time": "25:00"},
        headers=auth(meeting),
    )
    assert bad.status_code == 422 and "start_time" in bad.json()["error"]["message"]
    missing = client.post(f"/api/meetings/{code}/blocks/999999/enter", headers=auth(meeting))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_block"
    back = client.post(f"/api/meetings/{code}/agenda/previous", headers=auth(meeting))
    assert back.status_code == 409 and back.json()["error"]["code"] == "no_block"
    end = client.post(f"/api/meetings/{code}/agenda/end", headers=auth(meeting))
    assert end.status_code == 409 and end.json()["error"]["code"] == "agenda_not_started"
    nokey = client.post(f"/api/meetings/{code}/agenda/next")
    assert nokey.status_code == 404 and nokey.json()["error"]["code"] == "unknown_code"


def test_edit_reorder_and_delete_blocks(client: TestClient) -> None:
    meeting, blocks, activities = kickoff_like(client)
    code = meeting["code"]
    edited = client.patch(
        f"/api/meetings/{code}/blocks/{blocks[2]['id']}",
        json={"duration_minutes": 20, "who": "Spreker", "start_time": "10:40"},
        headers=auth(meeting),
    )
    assert edited.status_code == 200 and edited.json()["duration_minutes"] == 20
    assert edited.json()["who"] == "Spreker" and edited.json()["title"] == "Kennissnack"
    order = [blocks[3]["id"], blocks[0]["id"], blocks[1]["id"], blocks[2]["id"]]
    out = client.put(f"/api/meetings/{code}/blocks", json={"order": order}, headers=auth(meeting)).json()
    assert [b["id"] for b in out["blocks"]] == order
    assert [a["id"] for a in out["activities"]] == [activities[1]["id"], activities[0]["id"]]  # they follow
    gone = client.delete(f"/api/meetings/{code}/blocks/{blocks[0]['id']}", headers=auth(meeting))
    assert gone.status_code == 204
    out = client.get(f"/api/meetings/{code}", headers=auth(meeting)).json()
    assert len(out["blocks"]) == 3 and out["activities"][1]["block_id"] is None  # the activity stays


def test_screens_get_the_agenda_and_phones_get_now_and_next(client: TestClient, clock: ManualClock) -> None:
    meeting, blocks, _ = kickoff_like(client)
    post(client, meeting, "/agenda/next")
    clock.advance(minutes=35)
    with screen_socket(client, meeting, "presenter") as screen:
        screen.send_json({"type": "auth", "key": meeting["presenter_key"]})
        frame = screen.receive_json()
        while frame["type"] != "snapshot":
            frame = screen.receive_json()
        view = frame["agenda"]
        assert view["current"]["title"] == "Opening"
        assert "description" not in view["blocks"][0]  # the facilitator's notes stay on the remote
        # Ahead of or behind the plan is the facilitator's business, until the host shows it.
        assert view["delta_minutes"] is None and view["advice"] == [] and view["projected_end"] is None
        assert frame["meeting"]["show_schedule"] is False
        response = client.patch(
            f"/api/meetings/{meeting['code']}", json={"show_schedule": True}, headers=auth(meeting)
        )
        assert response.status_code == 200 and response.json()["show_schedule"] is True
        for _ in range(20):  # snapshots sent before the change may still be on their way
            frame = screen.receive_json()
            if frame["type"] == "snapshot" and frame["meeting"]["show_schedule"]:
                break
        assert frame["meeting"]["show_schedule"] is True and frame["agenda"]["delta_label"] == "5 min achter"
        # The live clock goes out when it moved a second; the clock of this test stands still
        # unless moved (the frame for the jump above may have gone out before this screen came).
        clock.advance(seconds=1)
        frame = screen.receive_json()
        while frame["type"] != "agenda":
            frame = screen.receive_json()
        assert frame["agenda"]["current"]["overtime"] is True
    join(client, meeting, "Ans")
    with phone_socket(client, meeting) as phone:
        frame = phone.receive_json()
        while frame["type"] != "state":
            frame = phone.receive_json()
        assert frame["agenda"] == {
            "now": {"id": blocks[0]["id"], "title": "Opening", "is_break": False},
            "next": {"id": blocks[1]["id"], "title": "Pauze", "is_break": True},
        }
        post(client, meeting, "/agenda/next")
        frame = phone.receive_json()
        while frame["type"] != "state":
            frame = phone.receive_json()
        assert (
            frame["agenda"]["now"]["title"] == "Pauze" and frame["agenda"]["next"]["title"] == "Kennissnack"
        )

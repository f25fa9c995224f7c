"""Trust suite, TEXT: one cleaning rule for every host text and every answer, on both databases."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import add_activity, auth, client_for, join, make_meeting, open_activity, phone_socket
from tests.trust.conftest import Figures

# What a host may not store: NUL (PostgreSQL refused it with a 500), BEL, ESC, DEL, a C1 control,
# a right-to-left override and an isolate, a lone surrogate, noncharacters, a stack of 11 marks.
HOSTILE = {
    "NUL": "a\x00b",
    "BEL": "bel\x07",
    "ESC": "\x1b[31mrood",
    "DEL": "del\x7f",
    "C1": "c1\x85",
    "RLO": "txt.exe\u202egnp",
    "RLI": "\u2067isolate",
    "surrogate": "half \ud800",
    "U+FFFF": "non\uffff",
    "U+10FFFF": "non\U0010ffff",
    "U+FDD0": "non\ufdd0",
    "marks x11": "e" + "\u0301" * 11,
}
CODES = {"control_characters", "noncharacter", "combining_marks"}
ANSWERS = {  # noncharacters and marks; controls were refused in answers before
    "U+FFFF": "ja\uffff",
    "U+10FFFF": "ja\U0010ffff",
    "U+FDD0": "ja\ufdd0",
    "U+FFFE": "ja\ufffe",
    "marks x200": "a" + "\u0300" * 200,
    "NUL": "a\x00b",
}


def send(client: TestClient, method: str, url: str, body: dict[str, Any], **headers: str) -> Any:
    """JSON with \\u escapes, as a browser's JSON.stringify sends a lone surrogate."""
    content = json.dumps(body).encode()
    return client.request(
        method, url, content=content, headers={"Content-Type": "application/json", **headers}
    )


def template(title: str) -> str:
    return (
        "format: kring-draaiboek/1\ntitle: "
        + json.dumps(title)
        + "\nblocks:\n  - title: Start\n    duration: 5\n"
    )


@pytest.fixture
def client(database_url: str) -> Any:
    # Each refused title is a creation attempt: the per-address creation limit is not under test.
    with client_for(database_url, create_burst=1000) as client:
        yield client


def test_text_one_rule_for_every_host_field_and_answer(
    client: TestClient, database_url: str, figures: Figures
) -> None:
    meeting = make_meeting(client)
    code, key = meeting["code"], auth(meeting)
    block = client.post(
        f"/api/meetings/{code}/blocks", json={"title": "Start", "duration_minutes": 5}, headers=key
    )
    activity = add_activity(client, meeting, "open")
    base = f"/api/meetings/{code}"
    fields: dict[str, Callable[[str], Any]] = {
        "title": lambda t: send(client, "POST", "/api/meetings", {"title": t}),
        "theme": lambda t: send(client, "POST", "/api/meetings", {"title": "x", "theme": t}),
        "template title": lambda t: send(client, "POST", "/api/meetings", {"template_yaml": template(t)}),
        "description": lambda t: send(client, "PATCH", base, {"description": t}, **key),
        "prompt": lambda t: send(
            client, "PATCH", f"{base}/activities/{activity['id']}", {"prompt": t}, **key
        ),
        "block title": lambda t: send(
            client, "PATCH", f"{base}/blocks/{block.json()['id']}", {"title": t}, **key
        ),
        "preparation": lambda t: send(client, "PATCH", base, {"preparation": t}, **key),
        "new prompt": lambda t: send(
            client, "POST", f"{base}/activities", {"kind": "open", "prompt": t}, **key
        ),
        "block goal": lambda t: send(
            client, "POST", f"{base}/blocks", {"title": "B", "duration_minutes": 5, "goal": t}, **key
        ),
        "block who": lambda t: send(
            client, "PATCH", f"{base}/blocks/{block.json()['id']}", {"who": t}, **key
        ),
    }
    before = client.get(f"/api/meetings/{code}", headers=key).json()
    outcomes: Counter[str] = Counter()
    for field, call in fields.items():
        for name, text in HOSTILE.items():
            response = call(text)
            error = response.json().get("error", {})
            if name == "surrogate" and field != "template title":  # not even valid JSON text
                assert (response.status_code, error["code"]) == (422, "invalid_request"), response.text
                outcomes[error["code"]] += 1
                continue
            codes = {"invalid_template"} if field == "template title" else CODES  # with its line
            assert response.status_code == 400 and error.get("code") in codes, (field, name, response.text)
            assert f"{field.split()[-1]}: " in error["message"], (field, error)  # names the field
            outcomes[error["code"]] += 1
    after = client.get(f"/api/meetings/{code}", headers=key).json()
    assert after == before  # nothing stored, nothing half-changed
    # Line breaks and tabs stay; CRLF becomes LF; ordinary accents, emoji and soft hyphens stay.
    kept = send(
        client, "PATCH", base, {"description": "Regel 1\r\nRegel\t2 ë 👩\u200d💻 zelf\u00adstandig"}, **key
    )
    assert (
        kept.status_code == 200
        and kept.json()["description"] == "Regel 1\nRegel\t2 ë 👩\u200d💻 zelf\u00adstandig"
    )

    # Answers: every kind that takes text, every text field of it.
    kinds = {
        "open": ("0", "text"),
        "wordcloud": ("0", "word"),
        "checkout": ("word", "word"),
        "cards insight": ("0", "insight"),
        "cards action": ("0", "action"),
        "cards name": ("0", "name"),
    }
    answered: Counter[str] = Counter()
    join(client, meeting)
    for label, (slot, field) in kinds.items():
        kind = label.split()[0]
        made = add_activity(client, meeting, kind)
        open_activity(client, meeting, made["id"])
        with phone_socket(client, meeting) as ws:
            for index, (name, text) in enumerate(ANSWERS.items()):
                value = {"insight": "Inzicht", "action": "Actie"} if kind == "cards" else {}
                value[field] = text
                message = {"type": "answer", "activity_id": made["id"], "slot": slot, "value": value}
                ws.send_text(json.dumps({**message, "client_id": f"{label.replace(' ', '-')}-{index}"}))
                while (reply := ws.receive_json())["type"] not in ("error", "ack"):
                    pass
                assert reply["type"] == "error" and reply["code"] in CODES, (label, name, reply)
                answered[reply["code"]] += 1
        results = client.get(f"{base}/activities/{made['id']}/results", headers=key).json()
        assert results["responses"] == 0
    # Nicknames are cosmetic: controls and invisible characters are dropped (NUL included, so
    # PostgreSQL never sees one), noncharacters and stacks of marks refused.
    nicknames: Counter[str] = Counter()
    for name, text in {**HOSTILE, **ANSWERS}.items():
        if name in ("surrogate", "marks x200"):
            continue  # not valid JSON text, or over the 40 characters: 422 as above
        with client_for(database_url, create_burst=1000) as fresh:  # a new phone: no cookie
            response = send(fresh, "POST", f"/api/join/{code}", {"nickname": "Bo" + text})
        body = response.json()
        if response.status_code == 200:
            assert body["nickname"].isprintable(), (name, body)
            nicknames["dropped"] += 1
        else:
            assert response.status_code == 400, (name, body)
            assert body["error"]["code"] in {f"nickname_{c}" for c in CODES}, (name, body)
            nicknames[body["error"]["code"]] += 1
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    figures(
        "TEXT",
        database=database,
        host_fields=len(fields),
        host_texts_refused=f"{sum(outcomes.values())}/{len(fields) * len(HOSTILE)} ({dict(outcomes)})",
        answer_fields=len(kinds),
        answers_refused=f"{sum(answered.values())}/{len(kinds) * len(ANSWERS)} ({dict(answered)})",
        nicknames=dict(nicknames),
        server_errors=0,
    )

"""GET /api/meetings/{code}/access: what a key or a session may do; anything that opens nothing is
answered as an unknown code (server/gate.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import migrated_sqlite_url
from tests.factories import client_for, database_with_accounts, make_meeting

PASSWORD = "een lang wachtwoord"


def test_access_names_the_role_of_each_key_and_refuses_strangers_as_unknown_codes(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    with client_for(url) as client:
        meeting = make_meeting(client)
        other = make_meeting(client)
        path = f"/api/meetings/{meeting['code']}/access"

        def role(key: str | None) -> object:
            headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
            response = client.get(path, headers=headers)
            return response.status_code, response.json()

        assert role(meeting["host_key"]) == (200, {"role": "host"})
        assert role(meeting["presenter_key"]) == (200, {"role": "presenter"})
        unknown = client.get("/api/meetings/ZZZZZZ/access")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_code"
        for stranger in (other["host_key"], "not-a-key", None):  # no "it exists, but not for you"
            assert role(stranger) == (404, unknown.json())


def test_access_of_a_session_is_host_only_for_the_meetings_facilitators(tmp_path: Path) -> None:
    url = migrated_sqlite_url(tmp_path)
    database_with_accounts(
        url, ("anna@example.org", PASSWORD, "Anna"), ("bram@example.org", PASSWORD, "Bram")
    )
    with client_for(url) as client:
        csrf = client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD})
        created = client.post(
            "/api/meetings", json={"title": "Van Anna"}, headers={"X-CSRF-Token": csrf.json()["csrf_token"]}
        )
        meeting = created.json()
        assert client.get(f"/api/meetings/{meeting['code']}/access").json() == {"role": "host"}
        client.cookies.clear()
        client.post("/api/login", json={"email": "bram@example.org", "password": PASSWORD})
        assert client.get(f"/api/meetings/{meeting['code']}/access").status_code == 404

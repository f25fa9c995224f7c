"""The HTML pages and their assets: they render, they obey the CSP (no inline scripts or style
attributes), their scripts never build HTML from strings, and every string is in Dutch and English."""

from __future__ import annotations

import importlib.util
import io
import re
from collections.abc import Iterator
from gettext import GNUTranslations
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from server.app import create_app
from server.domain.errors import Code
from server.i18n import compile_mo, po_path, translations
from server.routes.errors import STATUS_BY_CODE
from server.settings import Settings
from tests.conftest import migrated_sqlite_url

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def extract() -> Any:
    """scripts/extract_messages.py's catalogue of every string the templates and scripts use."""
    spec = importlib.util.spec_from_file_location(
        "extract_messages", ROOT / "scripts" / "extract_messages.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.extract()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = migrated_sqlite_url(tmp_path)
    app = create_app(Settings(database_url=url, public_url="http://127.0.0.1:8000"))
    with TestClient(app) as test_client:
        yield test_client


def _meeting(client: TestClient) -> dict[str, str]:
    response = client.post("/api/meetings", json={"template": "kickoff", "values": {"thema": "Inclusie"}})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _no_inline_code(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script: {tag}"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_pages_render_in_dutch_with_their_parts(client: TestClient) -> None:
    meeting = _meeting(client)
    code = meeting["code"]
    pages = {
        "/": ["join-form", "code-input"],
        f"/{code}": ["agenda-line", "join-form", "/static/js/participant.js", "Doe mee"],
        f"/m/{code}/present": [
            "join-strip-code",
            "qr-full",
            "stage-hint",
            "/static/js/presenter.js",
            code,
        ],
        f"/m/{code}/remote": [
            "blocks",
            "advice",
            'data-download="report.pdf"',
            "Deze bijeenkomst nu verwijderen",
        ],
    }
    for path, parts in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="nl">' in response.text, path
        for part in parts:
            assert part in response.text, (path, part)
        _no_inline_code(response.text)


def test_pages_switch_to_english(client: TestClient) -> None:
    code = _meeting(client)["code"]
    text = client.get(f"/m/{code}/remote?lang=en").text
    assert '<html lang="en">' in text and "Delete this meeting now" in text


def test_unknown_code_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/ZZ-!")  # not a code at all (a well-formed one gets the page's shell)
    assert response.status_code == 404
    assert "Deze code kennen we niet" in response.text


def test_meeting_pages_are_one_shell_for_known_and_unknown_codes(client: TestClient) -> None:
    """Nothing on a meeting's page comes from the database: not its title, not its language,
    not whether it exists. The script shows the title once the key (or the join) opened it."""
    response = client.post("/api/meetings", json={"title": "Geheime titel", "language": "en"})
    meeting = response.json()
    for page in ("/{}", "/m/{}/present", "/m/{}/remote"):
        known = client.get(page.format(meeting["code"]))
        unknown = client.get(page.format("ZZZZZZ"))
        assert known.status_code == unknown.status_code == 200
        assert known.text.replace(meeting["code"], "ZZZZZZ") == unknown.text, page
        assert "Geheime titel" not in known.text and '<html lang="nl">' in known.text


def test_script_strings_are_served_per_language(client: TestClient) -> None:
    nl = client.get("/i18n/nl.json").json()
    en = client.get("/i18n/en.json").json()
    assert nl["Now: {title}"] == "Nu: {title}"
    assert nl["Next: {title}"] == "Straks: {title}"
    assert nl["Watch the screen"] == "Kijk mee op het scherm"
    assert nl["anonymous"] == "anoniem"
    assert en["Now: {title}"] == "Now: {title}"
    # The server's C_("export column", "No") is "Nr"; the phone's button "No" stays "Nee".
    assert nl["No"] == "Nee" and nl["Yes"] == "Ja"
    assert nl["Remote"] == "Afstandsbediening"  # t() inside a template literal (the tab's title)
    assert nl["on"] == "aan" and nl["off"] == "uit"


def test_a_page_gets_only_the_strings_of_its_own_scripts(client: TestClient) -> None:
    """?script=participant: participant.js and every module it may load (the kinds, the pass), not
    the remote's or the big screen's; an unknown script gets the whole catalogue."""
    whole = client.get("/i18n/nl.json").json()
    phone = client.get("/i18n/nl.json?script=participant").json()
    remote = client.get("/i18n/nl.json?script=remote").json()
    passes = client.get("/i18n/nl.json?script=pass&own=true").json()  # pass.js's own, in a series only
    assert passes["Take a network pass"] == "Neem een netwerkpas" and "Take a network pass" not in phone
    assert "Take a network pass" not in remote
    assert "The door is closed: no new participants now." not in passes  # errors.js's: the page has them
    assert (
        remote["Add the next meeting"] == "Volgende bijeenkomst toevoegen"
        and "Add the next meeting" not in phone
    )
    assert (
        phone["The door is closed: no new participants now."]
        == whole["The door is closed: no new participants now."]
    )
    assert set(phone) < set(whole) and set(remote) < set(whole)
    for odd in ("../remote", "nope", "PARTICIPANT", "x" * 40):
        assert client.get(f"/i18n/nl.json?script={odd}").json() == whole


def test_plural_forms_in_templates_and_scripts(client: TestClient) -> None:
    nl, en = translations("nl"), translations("en")
    assert nl.ngettext("{n} answer", "{n} answers", 1) == "{n} antwoord"
    assert nl.ngettext("{n} answer", "{n} answers", 2) == "{n} antwoorden"
    assert en.ngettext("{n} answer", "{n} answers", 1) == "{n} answer"
    assert client.get("/i18n/nl.json").json()["participant"] == ["deelnemer", "deelnemers"]
    assert client.get("/i18n/en.json").json()["{n} answer"] == ["{n} answer", "{n} answers"]
    code = _meeting(client)["code"]
    assert '<span id="participants-label">deelnemers</span>' in client.get(f"/m/{code}/present").text


def test_the_pages_use_the_po_files_compiled_to_mo() -> None:
    for language in ("nl", "en"):
        compiled = GNUTranslations(io.BytesIO(compile_mo(language)))
        with po_path(language).open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        assert compiled.plural(1) == 0 and compiled.plural(2) == 1  # Plural-Forms: n != 1
        for message in catalogue:
            if not message.id or message.fuzzy:
                continue
            if message.pluralizable:
                singular, plural = (str(part) for part in message.id)
                assert compiled.ngettext(singular, plural, 1) == message.string[0], singular
                assert compiled.ngettext(singular, plural, 5) == message.string[1], singular
            elif message.context is not None:
                assert compiled.pgettext(message.context, str(message.id)) == message.string, message.id
            else:
                assert compiled.gettext(str(message.id)) == message.string, message.id


def test_every_page_string_has_dutch_and_english() -> None:
    # By (msgctxt, msgid): "No" the column of numbers is translated apart from "No" the answer.
    used = {(message.context, str(message.id)) for message in extract() if message.id}
    assert len(used) > 150
    for language in ("nl", "en"):
        path = WEB / "locale" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            translated = {
                (m.context, str(m.id))
                for m in read_po(handle, locale=language)
                if m.id and (all(m.string) if m.pluralizable else m.string)
            }
        missing = sorted(used - translated)
        assert missing == [], f"{language}: run scripts/extract_messages.py and translate {missing[:10]}"


def test_the_servers_messages_are_in_the_catalogue_too() -> None:
    """scripts/extract_messages.py collects the server's N_() messages (the template loader's
    problems, say), so the test above holds them to a Dutch and an English text as well."""
    used = {str(message.id) for message in extract() if message.id}
    for msgid in ("{where}: {expectation}, got {got}", "must be a whole number of minutes from 1 to 1440"):
        assert msgid in used
    assert "There is no next activity." in used and "There is no meeting with this code." in used


def _server_error_codes() -> set[str]:
    """Every error code the server can send a page: each is a member of the Code enum (no bare
    strings, tests/test_docs.py), so the enum is the list."""
    return {str(code) for code in Code} | {str(code) for code in STATUS_BY_CODE}


def test_every_error_code_has_words_on_the_pages(client: TestClient) -> None:
    """The pages never show the server's English on a Dutch page: web/static/js/errors.js says every
    code the server can send, from the catalogue, and the Dutch catalogue has each of its texts."""
    source = (WEB / "static" / "js" / "errors.js").read_text(encoding="utf-8")
    table = source.split("export const ERRORS = {", 1)[1].split("\n};", 1)[0]
    known = set(re.findall(r"^\s+([a-z_]+):", table, flags=re.MULTILINE))
    codes = _server_error_codes()
    assert len(codes) > 60
    assert sorted(codes - known) == []
    nl = client.get("/i18n/nl.json").json()
    assert nl["There is no meeting with this code."] == "Er is geen bijeenkomst met deze code."
    assert nl["Something went wrong ({code})."] == "Er ging iets mis ({code})."
    assert nl["Slow down a little; we will send it in a moment."] == "Even rustig aan; we versturen het zo."
    # The scripts' strings only: what the templates and the server say is not sent to every phone.
    assert "Welcome!" not in nl and "{where}: {expectation}, got {got}" not in nl


def test_messages_with_details_come_in_the_language_the_page_asks_for(client: TestClient) -> None:
    """A template's problem names its line in the page's language (Accept-Language); without it the
    API answers in English, as documented."""
    broken = "format: kring-draaiboek/1\ntitle: Mijn dag\nblocks:\n  - title: Start\n    duration: twintig\n"
    english = (
        'mijn.yaml:5: blocks[0].duration: must be a whole number of minutes from 1 to 1440, got "twintig"'
    )
    dutch = (
        'mijn.yaml:5: blocks[0].duration: moet een heel aantal minuten van 1 tot 1440 zijn, maar is "twintig"'
    )
    check = {"yaml": broken, "file": "mijn.yaml"}
    assert client.post("/api/templates/check", json=check).json()["error"]["message"] == english
    said = client.post("/api/templates/check", json=check, headers={"Accept-Language": "nl"}).json()
    assert said["error"] == {"code": "invalid_template", "message": dutch, "line": 5}
    made = {"template_yaml": broken, "template_file": "mijn.yaml"}
    refused = client.post("/api/meetings", json=made, headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"})
    assert refused.status_code == 400 and refused.json()["error"]["message"] == dutch
    english_page = client.post("/api/meetings", json=made, headers={"Accept-Language": "en"})
    assert english_page.json()["error"]["message"] == english
    values = {"template": "kickoff", "values": {"thema": "Inclusie", "stad": "Gent"}}
    wrong = client.post("/api/meetings", json=values, headers={"Accept-Language": "nl"}).json()["error"]
    assert wrong == {
        "code": "invalid_template_values",
        "message": "onbekende invulwaarde stad; dit draaiboek vraagt om: thema",
    }
    # An activity's settings: pydantic's refusal, in the page's language too.
    settings = (
        "format: kring-draaiboek/1\ntitle: Mijn dag\nblocks:\n  - title: Start\n    duration: 20\n"
        "    activities:\n      - kind: wordcloud\n        prompt: Een woord\n"
        "        settings:\n          max_entries: 100\n"
    )
    check = {"yaml": settings, "file": "mijn.yaml"}
    said = client.post("/api/templates/check", json=check, headers={"Accept-Language": "nl"}).json()
    assert said["error"]["message"] == (
        "mijn.yaml:9: blocks[0].activities[0].settings: Ongeldige instellingen voor wordcloud: "
        "max_entries: mag hoogstens 20 zijn."
    )
    assert client.post("/api/templates/check", json=check).json()["error"]["message"] == (
        "mijn.yaml:9: blocks[0].activities[0].settings: Invalid wordcloud settings: "
        "max_entries: Input should be less than or equal to 20."
    )
    # Which way there is no activity: said by the server; every other code by the page itself.
    meeting = client.post("/api/meetings", json={"title": "Leeg"}).json()
    host = {"Authorization": f"Bearer {meeting['host_key']}"}
    ahead = client.post(f"/api/meetings/{meeting['code']}/next", headers=host | {"Accept-Language": "nl"})
    assert ahead.status_code == 409
    assert ahead.json()["error"] == {"code": "no_activity", "message": "Er is geen volgende activiteit."}
    unknown = client.get("/api/join/ZZZZZZ", headers={"Accept-Language": "nl"}).json()["error"]
    assert unknown == {"code": "unknown_code", "message": "There is no meeting with this code."}


def test_scripts_never_build_html_from_strings() -> None:
    for script in (WEB / "static" / "js").glob("*.js"):
        source = script.read_text()
        for forbidden in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            'setAttribute("style"',
        ):
            assert forbidden not in source, (script.name, forbidden)
        assert "eval(" not in source and "new Function" not in source, script.name

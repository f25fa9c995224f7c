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
from server.i18n import compile_mo, po_path, translations
from server.settings import Settings
from tests.conftest import sqlite_url

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
    from server.db.migrate import upgrade

    url = sqlite_url(tmp_path)
    upgrade(url)
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
    response = client.get("/ZZZZZZ")
    assert response.status_code == 404
    assert "Deze code kennen we niet" in response.text


def test_script_strings_are_served_per_language(client: TestClient) -> None:
    nl = client.get("/i18n/nl.json").json()
    en = client.get("/i18n/en.json").json()
    assert nl["Now: {title}"] == "Nu: {title}"
    assert nl["Next: {title}"] == "Straks: {title}"
    assert nl["Watch the screen"] == "Kijk mee op het scherm"
    assert nl["anonymous"] == "anoniem"
    assert en["Now: {title}"] == "Now: {title}"


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
            else:
                assert compiled.gettext(str(message.id)) == message.string, message.id


def test_every_page_string_has_dutch_and_english() -> None:
    used = {str(message.id) for message in extract() if message.id}
    assert len(used) > 150
    for language in ("nl", "en"):
        path = WEB / "locale" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            translated = {
                str(m.id)
                for m in read_po(handle, locale=language)
                if m.id and (all(m.string) if m.pluralizable else m.string)
            }
        missing = sorted(used - translated)
        assert missing == [], f"{language}: run scripts/extract_messages.py and translate {missing[:10]}"


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

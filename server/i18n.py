"""Translations from Babel catalogues: web/locale/<lang>/LC_MESSAGES/messages.po, compiled to .mo.

The .po files are the only source: each is compiled to .mo bytes with Babel when first used and
loaded through gettext, so the pages can never serve a stale compiled catalogue (there is no .mo on
disk to forget to rebuild, and the install tree may stay read-only)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from server.text import Text, fill

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# The Babel locale that formats dates and numbers for each language: Kring's English is British
# ("programme", "1 May 2024"), like its words.
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
SCRIPTS_DIR = LOCALE_DIR.parent / "static" / "js"
# How the page scripts mark their strings (scripts/extract_messages.py extracts them the same way).
SCRIPT_KEYWORDS = {"t": None, "N_": None, "ngettext": (1, 2)}
# t() inside a template literal (`${t("Remote")} — ${title}`) counts too.
SCRIPT_OPTIONS = {"parse_template_string": True}
# A page's entry script and the modules it imports (statically or with import()), by relative path.
SCRIPT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
_IMPORTS = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}/[^"']+\.js)["']""")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def _po(language: str) -> Catalog | None:
    path = po_path(language)
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def compile_mo(language: str) -> bytes:
    """The language's catalogue as a compiled .mo (fuzzy and untranslated messages left out)."""
    po = _po(language)
    if po is None:
        return b""
    out = BytesIO()
    write_mo(out, po)
    return out.getvalue()


@cache
def translations(language: str) -> NullTranslations:
    """gettext and ngettext (with the catalogue's Plural-Forms) for the templates."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    mo = compile_mo(chosen)
    return Translations(BytesIO(mo), domain="messages") if mo else NullTranslations()


def script_files(entry: str, *, follow: bool = True) -> list[Path]:
    """The page script ``entry`` (web/static/js/<entry>.js) and every module it may load (with
    ``follow=False``, that script alone)."""
    if not follow:
        return [(SCRIPTS_DIR / f"{entry}.js").resolve()]
    seen: set[Path] = set()
    todo = [(SCRIPTS_DIR / f"{entry}.js").resolve()]
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file() or SCRIPTS_DIR not in path.parents:
            continue
        seen.add(path)
        todo.extend((path.parent / found).resolve() for found in _IMPORTS.findall(path.read_text("utf-8")))
    return sorted(seen)


@cache
def script_msgids(entry: str | None = None, follow: bool = True) -> frozenset[str]:
    """Every msgid the page scripts use (a plural message by its singular); with ``entry``, only
    those of that page's script and the modules it loads: a phone need not carry the remote's."""
    if entry is not None:
        out: set[str] = set()
        for path in script_files(entry, follow=follow):
            with path.open("rb") as handle:
                for _line, message, _notes, _context in extract(
                    "javascript", handle, keywords=SCRIPT_KEYWORDS, options=SCRIPT_OPTIONS
                ):
                    out.add(str(message if isinstance(message, str) else message[0]))
        return frozenset(out)
    found = extract_from_dir(
        str(SCRIPTS_DIR),
        method_map=[("**.js", "javascript")],
        options_map={"**.js": SCRIPT_OPTIONS},
        keywords=SCRIPT_KEYWORDS,
    )
    return frozenset(str(m if isinstance(m, str) else m[0]) for _file, _line, m, _notes, _context in found)


@cache
def catalog(language: str, script: str | None = None, own: bool = False) -> dict[str, str | list[str]]:
    """The page scripts' strings: msgid -> text; a plural message's singular msgid -> its forms.

    Only the strings the scripts use (the phone loads them before its first answer: what the
    templates and the server say stays out). An untranslated message is left out, so the scripts
    fall back to the msgid (English)."""
    po = _po(language)
    known = script is not None and SCRIPT_NAME.match(script) and (SCRIPTS_DIR / f"{script}.js").is_file()
    used = script_msgids(script, not own) if known else script_msgids()
    out: dict[str, str | list[str]] = {}
    for message in po or ():
        # A message with a msgctxt is the server's (C_): the scripts' t() has no context, and "No"
        # the export column ("Nr") must not overwrite "No" the button ("Nee").
        if not message.id or message.fuzzy or message.context is not None:
            continue
        if str(message.id[0] if message.pluralizable else message.id) not in used:
            continue
        if message.pluralizable and isinstance(message.string, tuple | list):
            forms = [str(form) for form in message.string]
            if all(forms):
                out[str(message.id[0])] = forms
        elif isinstance(message.string, str) and message.string:
            out[str(message.id)] = message.string
    return out


def pick_language(requested: str | None, accept_language: str | None, fallback: str) -> str:
    if requested in LANGUAGES:
        return requested
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag
    return fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE


def asked_language(accept_language: str | None) -> str:
    """The language a request asks for with Accept-Language (the pages send their own); English,
    the API's language, when it names neither of Kring's."""
    return pick_language(None, accept_language, "en")


def locale(language: str) -> str:
    return LOCALES.get(language, LOCALES[DEFAULT_LANGUAGE])


def number(value: float, language: str, digits: int = 1) -> str:
    """A number with a fixed count of decimals as the language writes it: 1.25 is '1,2' in Dutch
    and '1.2' in English (half to even, like Python's own rounding of the same decimal)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=locale(language))


def long_date(day: date, language: str) -> str:
    """'24 november 2026' in Dutch, '24 November 2026' in English."""
    return format_date(day, format="long", locale=locale(language))


def words(table: Mapping[str, str], language: str) -> dict[str, str]:
    """A table of messages (key -> ``N_``/``C_`` text) said in the language (the default language
    for one Kring does not speak)."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return {key: say(message, chosen) for key, message in table.items()}


def sayer(language: str) -> Callable[[Text], str]:
    """``say`` bound to one language, for the pure code (server/kinds) that may not read catalogues."""
    return lambda message: say(message, language)


def say(message: str, language: str) -> str:
    """A message in the language: a Text through the catalogue, its blanks filled (a blank that is a
    Text itself said in the same language); any other string as it is (English)."""
    if not isinstance(message, Text) or language not in LANGUAGES:
        return str(message)
    params = {
        key: say(value, language) if isinstance(value, Text) else value
        for key, value in message.params.items()
    }
    compiled = translations(language)
    if message.context is None:
        return fill(compiled.gettext(message.msgid), params)
    return fill(str(compiled.pgettext(message.context, message.msgid)), params)

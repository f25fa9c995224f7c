"""Translations from Babel catalogues (web/locale/<lang>/LC_MESSAGES/messages.po)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"


@cache
def catalog(language: str) -> dict[str, str]:
    """msgid -> translated text; an untranslated message falls back to its msgid."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    out: dict[str, str] = {}
    for message in po:
        if (
            message.id and isinstance(message.id, str) and isinstance(message.string, str) and message.string
        ) and not message.fuzzy:
            out[message.id] = message.string
    return out


class CatalogTranslations(Translations):
    """gettext-compatible, built from the .po file without a compiled .mo on disk."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self._messages = catalog(language)

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def ugettext(self, message: str) -> str:  # pragma: no cover - py2 name kept by jinja2
        return self.gettext(message)

    def ungettext(self, singular: str, plural: str, n: int) -> str:  # pragma: no cover
        return self.ngettext(singular, plural, n)


@cache
def translations(language: str) -> CatalogTranslations:
    return CatalogTranslations(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def pick_language(requested: str | None, accept_language: str | None, fallback: str) -> str:
    if requested in LANGUAGES:
        return requested
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in LANGUAGES:
                return tag
    return fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE

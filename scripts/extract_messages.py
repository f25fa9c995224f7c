"""Extract translatable strings from templates, page scripts and the server's messages (``N_`` in
server/, see server/text.py) into web/locale/*/messages.po.

Existing translations are kept; new msgids are added untranslated.
Run: python scripts/extract_messages.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
LANGUAGES = ("nl", "en")

METHODS = [("templates/**.html", "jinja2"), ("static/js/**.js", "javascript")]
OPTIONS = {
    "templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "static/js/**.js": {"parse_template_string": True},  # t() inside `${...}` too
}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "t": None, "N_": None}
SERVER = ROOT / "server"  # messages said in the request's language: N_("...", blank=value)
# C_("context", "...") is N_ with gettext's msgctxt, for an English word said two ways in Dutch.
SERVER_KEYWORDS = {"N_": None, "C_": ((1, "c"), 2)}


def extract() -> Catalog:
    catalog = Catalog(project="Kring", domain="messages")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB),
        method_map=METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SERVER), method_map=[("**.py", "python")], keywords=SERVER_KEYWORDS
    ):
        catalog.add(message, None, [(f"server/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def merge(template: Catalog, language: str) -> tuple[Catalog, list[str]]:
    path = WEB / "locale" / language / "LC_MESSAGES" / "messages.po"
    # By (msgctxt, msgid); a plural message by its singular msgid.
    old: dict[tuple[str | None, str], str | tuple[str, ...]] = {}
    if path.exists():
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id:
                    continue
                if message.pluralizable:
                    old[message.context, str(message.id[0])] = tuple(str(form) for form in message.string)
                elif isinstance(message.string, str):
                    old[message.context, str(message.id)] = message.string
    catalog = Catalog(locale=language, project="Kring", domain="messages")
    missing = []
    for message in template:
        if not message.id:
            continue
        key = str(message.id[0]) if message.pluralizable else str(message.id)
        text: str | tuple[str, ...] = old.get((message.context, key), "")
        if message.pluralizable:
            forms = tuple(text) if isinstance(text, tuple) else ()
            if language == "en" and not any(forms):
                forms = tuple(str(part) for part in message.id)  # msgids are English
            text = forms if len(forms) == catalog.num_plurals else ("",) * catalog.num_plurals
        elif language == "en" and not text:
            text = str(message.id)
        if not text or (isinstance(text, tuple) and not all(text)):
            missing.append(key if message.context is None else f"{message.context}|{key}")
        catalog.add(message.id, text, message.locations, context=message.context)
    # Strings used only from Python (error texts, defaults) are kept even if no template uses them.
    for (context, msgid), text in old.items():
        if catalog.get(msgid, context=context) is None and isinstance(text, str):
            catalog.add(msgid, text, context=context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True, no_location=True)
    return catalog, missing


def main() -> int:
    template = extract()
    status = 0
    for language in LANGUAGES:
        _, missing = merge(template, language)
        for msgid in missing:
            sys.stderr.write(f"{language}: untranslated: {msgid}\n")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

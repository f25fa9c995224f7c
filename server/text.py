"""Messages that can be said again in another language: the English text that the API returns by
default, which also remembers its catalogue msgid and the values of its blanks.

``N_("the value for {name} must be text", name="'thema'")`` is the str ``the value for 'thema' must
be text``; ``server.i18n.say(text, "nl")`` looks its msgid up in the Dutch catalogue and fills the
same blanks (a blank's value may be a message of its own, said in the same language). The msgids
are collected from the server's code by scripts/extract_messages.py (the keyword ``N_``), so the
catalogue test sees that each has a Dutch and an English text. No dependencies: the template
loader and the services use it freely."""

from __future__ import annotations

import re

BLANK = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def fill(text: str, params: dict[str, object]) -> str:
    """Each ``{name}`` with its value, in one pass (a value that holds ``{...}`` stays as it is)."""
    return BLANK.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), text)


class Text(str):
    """The English message (what ``str`` gives) with its ``msgid`` and ``params`` for a translation,
    and the ``context`` (gettext's msgctxt) that tells one use of an English word from another."""

    msgid: str
    params: dict[str, object]
    context: str | None

    def __new__(cls, msgid: str, /, **params: object) -> Text:
        self = super().__new__(cls, fill(msgid, params))
        self.msgid = msgid
        self.params = params
        self.context = None
        return self


def N_(msgid: str, /, **params: object) -> Text:
    """A translatable message: English now, and in any catalogue language through ``i18n.say``."""
    return Text(msgid, **params)


def C_(context: str, msgid: str, /, **params: object) -> Text:
    """``N_`` for an English word that other languages say in more than one way: "No" the column of
    numbers ("Nr") is not "No" the answer ("Nee"). The context is the catalogue's msgctxt."""
    text = Text(msgid, **params)
    text.context = context
    return text

"""Calls the kinds' tests share: a kind's default settings in a language, its validation by name."""

from __future__ import annotations

from collections.abc import Mapping

from server.i18n import sayer
from server.kinds import KindSettings, Tally, get, settings_for


def default_settings(kind: str, language: str = "nl") -> KindSettings:
    """A new activity's settings, as the meeting service makes them."""
    return settings_for(kind, None, sayer(language))


def validate_answer(
    kind: str,
    settings: KindSettings,
    slot: str,
    payload: Mapping[str, object],
    *,
    own: Mapping[str, Mapping[str, object]],
    participant: int,
    tally: Tally,
) -> dict[str, object]:
    return get(kind).validate_answer(settings, slot, payload, own=own, participant=participant, tally=tally)


def validate_withdraw(kind: str, settings: KindSettings, slot: str) -> None:
    get(kind).validate_withdraw(settings, slot)

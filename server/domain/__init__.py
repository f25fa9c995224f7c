"""The pure domain core: activity kinds, answer validation, words and incremental tallies.

Nothing here does I/O or imports web, database or asyncio code.
"""

from server.domain.activities import (
    KINDS,
    OPEN_MAX_LENGTH,
    WORD_MAX_LENGTH,
    CheckoutSettings,
    ChoiceSettings,
    Kind,
    Language,
    OpenSettings,
    ScalesSettings,
    Settings,
    WordcloudSettings,
    default_settings,
    settings_for,
    validate_answer,
    validate_withdraw,
)
from server.domain.errors import Code, DomainError
from server.domain.tally import AUDIENCES, Audience, Change, Moderation, Tally, new_tally, tally_from_rows
from server.domain.words import clean_text, is_profane, normalise_word

__all__ = [
    "AUDIENCES",
    "KINDS",
    "OPEN_MAX_LENGTH",
    "WORD_MAX_LENGTH",
    "Audience",
    "Change",
    "CheckoutSettings",
    "ChoiceSettings",
    "Code",
    "DomainError",
    "Kind",
    "Language",
    "Moderation",
    "OpenSettings",
    "ScalesSettings",
    "Settings",
    "Tally",
    "WordcloudSettings",
    "clean_text",
    "default_settings",
    "is_profane",
    "new_tally",
    "normalise_word",
    "settings_for",
    "tally_from_rows",
    "validate_answer",
    "validate_withdraw",
]

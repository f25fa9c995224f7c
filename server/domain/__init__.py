"""The pure domain core: activity kinds, answer validation, incremental tallies, meetings.

Nothing here does I/O or imports web, database or asyncio code.
"""

from server.domain.activities import (
    KINDS,
    Kind,
    Settings,
    default_settings,
    settings_for,
    validate_answer,
    validate_withdraw,
)
from server.domain.errors import DomainError
from server.domain.tally import Change, Moderation, Tally, new_tally, tally_from_rows
from server.domain.words import clean_text, is_profane, normalise_word

__all__ = [
    "KINDS",
    "Change",
    "DomainError",
    "Kind",
    "Moderation",
    "Settings",
    "Tally",
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

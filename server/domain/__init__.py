"""The pure domain core: meetings, the agenda, words and errors; the activity kinds live in server/kinds.

Nothing here does I/O or imports web, database or asyncio code.
"""

from server.domain.errors import Code, DomainError
from server.domain.words import clean_text, is_profane, normalise_word

__all__ = ["Code", "DomainError", "clean_text", "is_profane", "normalise_word"]

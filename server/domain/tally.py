"""Incremental tallies per activity: O(1) per row change, JSON-ready snapshots on demand.

Changes commute across rows: every worker applies the same set of row changes (each row's own
changes in order) in whatever order they arrive, and ends with the same tally as a recount.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.domain.activities import Kind
from server.domain.errors import Code, DomainError
from server.domain.tallies.base import AUDIENCES, Audience, Change, Tally
from server.domain.tallies.cards import CardsTally
from server.domain.tallies.checkout import CheckoutTally
from server.domain.tallies.choice import ChoiceTally
from server.domain.tallies.groups import GroupsTally
from server.domain.tallies.moderation import Moderation
from server.domain.tallies.open_text import OpenTally
from server.domain.tallies.scales import ScalesTally
from server.domain.tallies.wordcloud import WordcloudTally

__all__ = [
    "AUDIENCES",
    "TALLIES",
    "Audience",
    "CardsTally",
    "Change",
    "CheckoutTally",
    "ChoiceTally",
    "GroupsTally",
    "Moderation",
    "OpenTally",
    "ScalesTally",
    "Tally",
    "WordcloudTally",
    "new_tally",
    "tally_from_rows",
]

TALLIES: dict[Kind, type[Tally]] = {
    "open": OpenTally,
    "wordcloud": WordcloudTally,
    "scales": ScalesTally,
    "checkout": CheckoutTally,
    "choice": ChoiceTally,
    "groups": GroupsTally,
    "cards": CardsTally,
}


def new_tally(kind: Kind) -> Tally:
    """An empty tally for an activity of this kind."""
    tally = TALLIES.get(kind)
    if tally is None:
        raise DomainError(Code.UNKNOWN_KIND, f"Unknown activity kind {kind!r}.")
    return tally()


def tally_from_rows(kind: Kind, rows: Iterable[Change]) -> Tally:
    """Recount from scratch: every stored row (``new``) as an insertion; ``old`` is ignored."""
    tally = new_tally(kind)
    for row in rows:
        if row.new is not None:
            tally.apply(Change(row.participant, row.slot, row.entry_id, None, row.new, row.nickname))
    return tally

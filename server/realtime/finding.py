"""Finding a check-out word by typing: how a phone reaches words outside its bounded list."""

from __future__ import annotations

from server.domain.errors import Code, DomainError
from server.domain.meeting import accepting
from server.kinds.bounds import FIND_LIMIT
from server.realtime.messages import FindIn, FoundOut, dump
from server.realtime.room import Room


def found_frame(room: Room, message: FindIn) -> str:
    """The reply to a `find`: at most FIND_LIMIT matching words, or why there are none."""
    activity = accepting(room.meeting.answerable(message.activity_id), message.activity_id)
    tally = room.tallies.get(activity.id)
    if tally is None or not tally.searchable:
        raise DomainError(Code.WRONG_KIND, "Only the words of a check-out can be searched.")
    if not message.query.strip():
        raise DomainError(Code.TEXT_EMPTY, "Type part of the word to look for.")
    words, more = tally.find(message.query, FIND_LIMIT)
    return dump(FoundOut(activity_id=activity.id, query=message.query, words=words, more=more))

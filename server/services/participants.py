"""Use cases for participants: join by code, rejoin by cookie, load what they answered."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from server.db.tables import Participant
from server.domain.errors import DomainError
from server.domain.words import clean_text
from server.services.keys import hash_key, new_key

NICKNAME_MAX = 40


@dataclass(frozen=True, slots=True)
class Joined:
    participant_id: int
    token: str | None  # set when a new participant was created: goes into the cookie
    nickname: str | None


def clean_nickname(raw: str | None) -> str | None:
    """A nickname is cosmetic: invisible and control characters are dropped, not refused."""
    if raw is None:
        return None
    raw = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") or ch in " \t")
    if not raw.strip():
        return None
    try:
        return clean_text(raw, max_length=NICKNAME_MAX, allow_newlines=False)
    except DomainError as exc:
        raise DomainError(f"nickname_{exc.code}", f"Nickname: {exc.message}") from exc


def join(session: Session, meeting_id: int, token: str | None, nickname: str | None) -> Joined:
    """Rejoin the participant behind ``token`` when it belongs to this meeting, else a new one."""
    name = clean_nickname(nickname)
    if token:
        participant = session.scalar(
            select(Participant).where(col(Participant.token_hash) == hash_key(token))
        )
        if participant is not None and participant.meeting_id == meeting_id:
            assert participant.id is not None
            if nickname is not None and name != participant.nickname:
                participant.nickname = name
                session.add(participant)
            return Joined(participant.id, None, participant.nickname)
    fresh = new_key(16)  # 128 bits
    participant = Participant(meeting_id=meeting_id, token_hash=hash_key(fresh), nickname=name)
    session.add(participant)
    session.flush()
    assert participant.id is not None
    return Joined(participant.id, fresh, name)


def participant_for_token(session: Session, meeting_id: int, token: str) -> tuple[int, str | None] | None:
    row = session.execute(
        select(col(Participant.id), col(Participant.nickname), col(Participant.meeting_id)).where(
            col(Participant.token_hash) == hash_key(token)
        )
    ).first()
    if row is None or row[2] != meeting_id:
        return None
    return int(row[0]), row[1]

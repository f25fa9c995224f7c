"""Use cases for participants: join by code, rejoin by cookie, load what they answered."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from server.db.tables import Meeting, Participant, utcnow
from server.domain.errors import Code, DomainError
from server.domain.words import clean_text
from server.services.keys import hash_key, new_key

NICKNAME_MAX = 40


@dataclass(frozen=True, slots=True)
class Joined:
    participant_id: int
    token: str | None  # set when a new participant was created: goes into the cookie
    nickname: str | None
    door_closed: bool = False  # refused: new, and the host closed the door (nobody was made)


# A nickname refused as text says so in its code: the phone names the nickname field.
NICKNAME_CODES = {
    Code.TEXT_TOO_LONG: Code.NICKNAME_TEXT_TOO_LONG,
    Code.TEXT_EMPTY: Code.NICKNAME_TEXT_EMPTY,
    Code.CONTROL_CHARACTERS: Code.NICKNAME_CONTROL_CHARACTERS,
    Code.NONCHARACTER: Code.NICKNAME_NONCHARACTER,
    Code.COMBINING_MARKS: Code.NICKNAME_COMBINING_MARKS,
}


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
        raise DomainError(NICKNAME_CODES[exc.code], f"Nickname: {exc.message}") from exc


def join(session: Session, meeting_id: int, token: str | None, nickname: str | None) -> Joined:
    """Rejoin the participant behind ``token`` when it belongs to this meeting, else a new one."""
    request = JoinRequest(meeting_id, token, clean_nickname(nickname), nickname is not None)
    return join_batch(session, [request])[0]


@dataclass(frozen=True, slots=True)
class JoinRequest:
    meeting_id: int
    token: str | None
    nickname: str | None  # already cleaned (clean_nickname), so a batch never fails on one of them
    nickname_given: bool


def join_batch(session: Session, requests: list[JoinRequest]) -> list[Joined]:
    """Many joins in one transaction (one fsync): a join storm of a whole hall costs a few commits."""
    known: dict[str, Participant] = {}
    tokens = [hash_key(r.token) for r in requests if r.token]
    if tokens:
        for participant in session.scalars(
            select(Participant).where(col(Participant.token_hash).in_(tokens))
        ):
            known[participant.token_hash] = participant
    out: list[Joined | None] = []
    fresh: list[tuple[int, str, JoinRequest, dict[str, Any]]] = []
    now = utcnow()
    for index, request in enumerate(requests):
        existing = known.get(hash_key(request.token)) if request.token else None
        if existing is not None and existing.meeting_id == request.meeting_id:
            assert existing.id is not None
            if request.nickname_given and request.nickname != existing.nickname:
                existing.nickname = request.nickname
                session.add(existing)
            out.append(Joined(existing.id, None, existing.nickname))
            continue
        token = new_key(16)  # 128 bits
        row = {
            "meeting_id": request.meeting_id,
            "token_hash": hash_key(token),
            "nickname": request.nickname,
            "created_at": now,
        }
        fresh.append((index, token, request, row))
        out.append(None)
    if fresh:
        # The door is read in the joins' own transaction: once the host's close has committed,
        # no new participant gets in (a rejoin with a cookie above always does).
        closed = set(
            session.scalars(
                select(col(Meeting.id)).where(
                    col(Meeting.id).in_({request.meeting_id for _, _, request, _ in fresh}),
                    col(Meeting.joins_closed),
                )
            )
        )
        for index, _, request, _ in fresh:
            if request.meeting_id in closed:
                out[index] = Joined(0, None, None, door_closed=True)
        fresh = [item for item in fresh if item[2].meeting_id not in closed]
    if fresh:
        # One multi-row INSERT … RETURNING for the whole storm, not an ORM object per phone.
        ids = session.scalars(
            insert(Participant).returning(col(Participant.id), sort_by_parameter_order=True),
            [row for *_, row in fresh],
        ).all()
        for (index, token, request, _), participant_id in zip(fresh, ids, strict=True):
            assert participant_id is not None
            out[index] = Joined(participant_id, token, request.nickname)
    return [joined for joined in out if joined is not None]


def participant_for_token(session: Session, meeting_id: int, token: str) -> tuple[int, str | None] | None:
    row = session.execute(
        select(col(Participant.id), col(Participant.nickname), col(Participant.meeting_id)).where(
            col(Participant.token_hash) == hash_key(token)
        )
    ).first()
    if row is None or row[2] != meeting_id:
        return None
    return int(row[0]), row[1]

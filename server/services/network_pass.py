"""The network pass: a pseudonym that follows a participant, by choice, across a series' meetings.

Taking it asks nothing personal. It hands out two secrets, of which only hashes are kept: one for
the phone's cookie (valid for the series), and a short personal code to type on another device.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from server.db.tables import Meeting, Participant, SeriesParticipant, utcnow
from server.domain.errors import Code, DomainError
from server.domain.series import (
    PASS_ALPHABET,
    PASS_LENGTH,
    format_pass_code,
    is_valid_pass_code,
    normalise_pass_code,
)
from server.services.keys import hash_key, new_key
from server.services.participants import Joined


@dataclass(frozen=True, slots=True)
class Pass:
    """A pass just taken: the secrets are shown once and never stored."""

    series_id: int
    number: int  # the pseudonym's number in the series
    code: str  # ABCD-EFGH-JKMN
    secret: str  # the cookie's


@dataclass(frozen=True, slots=True)
class PassJoin:
    joined: Joined
    series_id: int
    number: int


def new_pass_code() -> str:
    return "".join(secrets.choice(PASS_ALPHABET) for _ in range(PASS_LENGTH))


def take(session: Session, meeting_id: int, participant_id: int) -> Pass:
    """The participant takes the pass of the meeting's series. Taken before (a phone that lost its
    code): the same pseudonym gets new secrets, and the old code and cookie stop working."""
    series_id = _series_id(session, meeting_id)
    participant = session.get(Participant, participant_id)
    if participant is None or participant.meeting_id != meeting_id:
        raise DomainError(Code.UNKNOWN_PARTICIPANT, "Join the meeting first.")
    for _ in range(5):
        code, secret = new_pass_code(), new_key(24)
        try:
            with session.begin_nested():
                pseudonym = _renewed(session, participant, series_id, code, secret)
        except IntegrityError:  # two phones took number n at once, or a code collided
            continue
        return Pass(series_id, pseudonym.number, format_pass_code(code), secret)
    raise DomainError(Code.NO_CODE, "Could not make a pass; try again.")  # pragma: no cover


def _renewed(
    session: Session, participant: Participant, series_id: int, code: str, secret: str
) -> SeriesParticipant:
    if participant.series_participant_id is not None:
        pseudonym = session.get(SeriesParticipant, participant.series_participant_id)
        assert pseudonym is not None
    else:
        number = session.scalar(
            select(func.max(col(SeriesParticipant.number))).where(
                col(SeriesParticipant.series_id) == series_id
            )
        )
        pseudonym = SeriesParticipant(
            series_id=series_id, number=int(number or 0) + 1, secret_hash="", code_hash=""
        )
    pseudonym.secret_hash = hash_key(secret)
    pseudonym.code_hash = hash_key(code)
    pseudonym.last_seen_at = utcnow()
    session.add(pseudonym)
    session.flush()
    participant.series_participant_id = pseudonym.id
    session.add(participant)
    return pseudonym


def join(
    session: Session,
    meeting_id: int,
    *,
    secret: str | None = None,
    code: str | None = None,
    nickname: str | None = None,
    nickname_given: bool = False,
) -> PassJoin | None:
    """Join a meeting as the pseudonym behind the pass's cookie ``secret`` or its typed ``code``.
    None: neither opens a pseudonym of this meeting's series (the caller counts the attempt).
    The pseudonym's participant in this meeting gets a new cookie token each time; a second
    device takes over the participant, and the first comes back through its own pass."""
    series_id = _series_id(session, meeting_id)
    pseudonym = _find(session, secret, code)
    if pseudonym is None or pseudonym.series_id != series_id:
        return None
    assert pseudonym.id is not None
    participant = session.scalar(
        select(Participant).where(
            col(Participant.meeting_id) == meeting_id, col(Participant.series_participant_id) == pseudonym.id
        )
    )
    token = new_key(16)
    if participant is None:
        closed = session.scalar(select(col(Meeting.joins_closed)).where(col(Meeting.id) == meeting_id))
        if closed:
            return PassJoin(Joined(0, None, None, door_closed=True), series_id, pseudonym.number)
        participant = Participant(
            meeting_id=meeting_id,
            token_hash=hash_key(token),
            nickname=nickname,
            series_participant_id=pseudonym.id,
        )
    else:
        participant.token_hash = hash_key(token)
        if nickname_given:
            participant.nickname = nickname
    pseudonym.last_seen_at = utcnow()
    session.add_all([participant, pseudonym])
    session.flush()
    assert participant.id is not None
    return PassJoin(Joined(participant.id, token, participant.nickname), series_id, pseudonym.number)


def number_of(session: Session, participant_id: int) -> int | None:
    """The pseudonym's number when the participant joined with a pass; None: anonymous."""
    return session.scalar(
        select(col(SeriesParticipant.number))
        .join(Participant, col(Participant.series_participant_id) == col(SeriesParticipant.id))
        .where(col(Participant.id) == participant_id)
    )


def pseudonym_of(session: Session, participant_id: int) -> int | None:
    """The pseudonym (series participant id) behind a participant, if any."""
    return session.scalar(
        select(col(Participant.series_participant_id)).where(col(Participant.id) == participant_id)
    )


def series_id_for_secret(session: Session, secret: str) -> int | None:
    return session.scalar(
        select(col(SeriesParticipant.series_id)).where(col(SeriesParticipant.secret_hash) == hash_key(secret))
    )


def _find(session: Session, secret: str | None, code: str | None) -> SeriesParticipant | None:
    if secret:
        return session.scalar(
            select(SeriesParticipant).where(col(SeriesParticipant.secret_hash) == hash_key(secret))
        )
    if code:
        clean = normalise_pass_code(code)
        if not is_valid_pass_code(clean):
            return None
        return session.scalar(
            select(SeriesParticipant).where(col(SeriesParticipant.code_hash) == hash_key(clean))
        )
    return None


def _series_id(session: Session, meeting_id: int) -> int:
    series_id = session.scalar(select(col(Meeting.series_id)).where(col(Meeting.id) == meeting_id))
    if series_id is None:
        raise DomainError(
            Code.NOT_IN_SERIES, "This meeting is not part of a series: there is no network pass."
        )
    return int(series_id)

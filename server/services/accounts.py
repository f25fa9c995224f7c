"""Facilitator accounts: argon2 passwords, login sessions, meeting ownership and co-hosts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from server.db.tables import LoginSession, Meeting, MeetingHost, User, aware
from server.domain.errors import Code, DomainError
from server.services.keys import hash_key, new_key

SESSION_DAYS = 14
_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps the response time the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class LoggedIn:
    account: Account
    token: str  # goes into the session cookie
    csrf_token: str


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise DomainError(Code.INVALID_EMAIL, "That is not an email address.")
    return email


def accounts_exist(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User)))


def add_user(session: Session, email: str, password: str, name: str = "") -> Account:
    email = normalise_email(email)
    if len(password) < 10:
        raise DomainError(Code.WEAK_PASSWORD, "Use a password of at least 10 characters.")
    if session.scalar(select(col(User.id)).where(col(User.email) == email)) is not None:
        raise DomainError(Code.EMAIL_TAKEN, "There is already an account with this email address.")
    user = User(email=email, name=name.strip()[:100], password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    assert user.id is not None
    return Account(user.id, user.email, user.name)


def list_users(session: Session) -> list[Account]:
    users = session.scalars(select(User).order_by(col(User.email))).all()
    return [Account(u.id or 0, u.email, u.name) for u in users]


def remove_user(session: Session, email: str) -> None:
    user = session.scalar(select(User).where(col(User.email) == normalise_email(email)))
    if user is None:
        raise DomainError(Code.UNKNOWN_USER, "There is no account with this email address.")
    session.delete(user)


def login(session: Session, email: str, password: str, now: datetime, days: int = SESSION_DAYS) -> LoggedIn:
    """A new session of ``days`` from ``now``; the account's expired sessions are removed."""
    user = session.scalar(select(User).where(col(User.email) == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise DomainError(Code.LOGIN_FAILED, "The email address or password is not right.")
    assert user.id is not None
    session.execute(
        delete(LoginSession).where(col(LoginSession.user_id) == user.id, col(LoginSession.expires_at) <= now)
    )
    token, csrf = new_key(24), new_key(24)
    session.add(
        LoginSession(
            token_hash=hash_key(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return LoggedIn(Account(user.id, user.email, user.name), token, csrf)


def session_user(session: Session, token: str, now: datetime) -> tuple[Account, str] | None:
    """The account behind a session cookie and its CSRF token, while the session lasts; an
    expired session is deleted (the cookie may outlive it, the session does not)."""
    row = session.execute(
        select(User, LoginSession)
        .join(LoginSession, col(LoginSession.user_id) == col(User.id))
        .where(col(LoginSession.token_hash) == hash_key(token))
    ).first()
    if row is None:
        return None
    user, login_session = row
    if aware(login_session.expires_at) <= now:
        session.delete(login_session)
        return None
    assert user.id is not None
    return Account(user.id, user.email, user.name), login_session.csrf_token


def logout(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(col(LoginSession.token_hash) == hash_key(token)))


def may_host(session: Session, meeting_id: int, user_id: int) -> bool:
    owner = session.scalar(select(col(Meeting.owner_id)).where(col(Meeting.id) == meeting_id))
    if owner == user_id:
        return True
    return (
        session.scalar(
            select(col(MeetingHost.id)).where(
                col(MeetingHost.meeting_id) == meeting_id, col(MeetingHost.user_id) == user_id
            )
        )
        is not None
    )


def session_hosts(session: Session, token: str, meeting_id: int, now: datetime) -> bool:
    """Whether a session cookie belongs to the owner or a co-facilitator of the meeting."""
    found = session_user(session, token, now)
    return found is not None and may_host(session, meeting_id, found[0].id)


def set_owner(session: Session, meeting_id: int, user_id: int) -> None:
    meeting = session.get(Meeting, meeting_id)
    assert meeting is not None
    meeting.owner_id = user_id
    session.add(meeting)


def add_cohost(session: Session, meeting_id: int, email: str) -> Account:
    user = session.scalar(select(User).where(col(User.email) == normalise_email(email)))
    if user is None:
        raise DomainError(Code.UNKNOWN_USER, "There is no account with this email address; create it first.")
    assert user.id is not None
    if not may_host(session, meeting_id, user.id):
        session.add(MeetingHost(meeting_id=meeting_id, user_id=user.id))
    return Account(user.id, user.email, user.name)


@dataclass(frozen=True, slots=True)
class HostedMeeting:
    code: str
    title: str
    owner: bool  # False: a co-facilitator
    cohosts: tuple[str, ...]  # the co-facilitators' email addresses


def meetings_of(session: Session, user_id: int) -> list[HostedMeeting]:
    """The meetings a facilitator owns or co-hosts, newest first, with their co-facilitators."""
    cohosted = select(col(MeetingHost.meeting_id)).where(col(MeetingHost.user_id) == user_id)
    rows = session.execute(
        select(col(Meeting.id), col(Meeting.code), col(Meeting.title), col(Meeting.owner_id))
        .where((col(Meeting.owner_id) == user_id) | col(Meeting.id).in_(cohosted))
        .order_by(col(Meeting.created_at).desc())
    ).all()
    cohosts: dict[int, list[str]] = {}
    for meeting_id, email in session.execute(
        select(col(MeetingHost.meeting_id), col(User.email))
        .join(User, col(User.id) == col(MeetingHost.user_id))
        .where(col(MeetingHost.meeting_id).in_([row[0] for row in rows]))
        .order_by(col(User.email))
    ):
        cohosts.setdefault(meeting_id, []).append(email)
    return [
        HostedMeeting(str(code), str(title), owner == user_id, tuple(cohosts.get(meeting_id, [])))
        for meeting_id, code, title, owner in rows
    ]


def rotate_presenter_key(session: Session, meeting_id: int) -> str:
    """A new big-screen key; the old one stops working at once."""
    meeting = _meeting(session, meeting_id)
    key = new_key(18)
    meeting.presenter_key_hash = hash_key(key)
    session.add(meeting)
    return key


def rotate_host_key(session: Session, meeting_id: int) -> str:
    """A new host key (the remote link); the old one stops working at once."""
    meeting = _meeting(session, meeting_id)
    key = new_key(24)
    meeting.host_key_hash = hash_key(key)
    session.add(meeting)
    return key


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(Code.UNKNOWN_MEETING, "This meeting does not exist (any more).")
    return meeting

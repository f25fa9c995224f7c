"""Secrets: host, presenter and participant keys, and the join code."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from server.domain.meeting import CODE_ALPHABET, CODE_LENGTH


def new_key(nbytes: int = 24) -> str:
    """A URL-safe secret; 24 bytes = 192 bits from the OS's CSPRNG."""
    return secrets.token_urlsafe(nbytes)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: str | None, expected_hash: str) -> bool:
    if not key:
        return False
    return hmac.compare_digest(hash_key(key), expected_hash)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))

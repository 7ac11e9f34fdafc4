"""Password hashing (argon2) and opaque tokens (stored only as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    """A URL-safe random token such as `cc_tok_...`; 256 bits of entropy."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    # Tokens are long random strings, so a fast unsalted hash is enough to keep the
    # database from holding usable credentials.
    return hashlib.sha256(token.encode()).hexdigest()

"""Identifiers: time-ordered event ids, unguessable share codes, stable post ids."""
from __future__ import annotations

import hashlib
import secrets
import time

_CODE_ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/l/I
CODE_LENGTH = 10  # 57**10 ≈ 3.6e17: unguessable, still short in a post


def new_event_id(now: float | None = None) -> str:
    """Millisecond timestamp then 64 random bits: sorts by time, never collides, spreads keys."""
    ms = int((time.time() if now is None else now) * 1000)
    return f"{ms:012x}{secrets.token_hex(8)}"


def new_share_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_share_code(value: str) -> bool:
    return len(value) == CODE_LENGTH and all(c in _CODE_ALPHABET for c in value)


def stable_id(*parts: str) -> str:
    """A short id derived from its parts: the same entry always maps to the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:24]

"""Agent tokens and enrolment codes: how they are made, normalised and hashed.

Only hashes are stored. Tokens are ``pwa_`` + 32 URL-safe characters; enrolment codes
are ``ABCD-EFGH`` from an alphabet without look-alikes (no 0/O, 1/I/L), typed by people.
"""

from __future__ import annotations

import hashlib
import secrets

AGENT_TOKEN_PREFIX = "pwa_"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUP = 4
CODE_GROUPS = 2


def new_agent_token() -> str:
    return AGENT_TOKEN_PREFIX + secrets.token_urlsafe(24)  # 24 bytes -> 32 characters


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_enrolment_code() -> str:
    chars = [secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP * CODE_GROUPS)]
    return "-".join(
        "".join(chars[i : i + CODE_GROUP]) for i in range(0, len(chars), CODE_GROUP)
    )


def normalise_code(code: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def hash_code(code: str) -> str:
    return hash_secret("enrolment:" + normalise_code(code))

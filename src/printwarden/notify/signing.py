"""Webhook signatures: ``Printwarden-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The MAC is over ``"<t>.<raw body>"`` with the endpoint's secret, so a receiver that checks
it knows the body came from us unchanged, and by checking ``t`` against its clock (a
tolerance of 5 minutes) that an old delivery replayed later is refused. Compare with a
constant-time function (``hmac.compare_digest``). Several ``v1=`` values may appear (while
a secret is rotated); one that matches is enough.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Printwarden-Signature"
EVENT_HEADER = "Printwarden-Event"
DELIVERY_HEADER = "Printwarden-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300

__all__ = ["DEFAULT_TOLERANCE_SECONDS", "DELIVERY_HEADER", "EVENT_HEADER",
           "SIGNATURE_HEADER", "SignatureError", "sign", "signature_header",
           "verify_signature"]


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, *, now: float,
                     tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> int:
    """Check a delivery as a receiver should; answers its timestamp or raises
    ``SignatureError``. ``now`` is the receiver's clock (unix seconds)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("no timestamp or no v1 signature in the header")
    if abs(now - timestamp) > tolerance:
        raise SignatureError("the timestamp is outside the tolerance (a replay?)")
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected.encode("ascii"), c.encode("utf-8", "replace"))
               for c in candidates):
        raise SignatureError("the signature does not match")
    return timestamp

"""Find-me fetch tokens: the server's permission for agent B to take one job from agent A.

    token = base64url(claims JSON) "." base64url(Ed25519 signature of the first part)

The server signs with a private key kept in its data directory (``fetch-token.key``, mode
0600); agents verify with the public key the server sends in their configuration. An
agent that can verify cannot sign, so a compromised agent cannot mint tokens for itself
(an HMAC key shared with every agent could). Claims bind the token to one job (the
server's job id and the holding agent's ``agent_job_key``), the holding agent (``src``),
the fetching agent (``dst``), the device it prints at and an expiry; ``tid`` names the
token for single use (the holding agent remembers used ids until they expire).

``verify`` checks the signature, the expiry and the parts a caller names; every refusal
is a ``FetchTokenRefused`` whose ``status`` is the HTTP status to answer with.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from printwarden.core.private_files import FILE_MODE

__all__ = [
    "KEY_FILE",
    "MAX_TOKEN_LENGTH",
    "FetchClaims",
    "FetchTokenRefused",
    "FetchTokenSigner",
    "FetchTokenVerifier",
    "load_or_create_signer",
]

KEY_FILE = "fetch-token.key"
#: Longer headers are refused before any decoding (claims are ~300 bytes).
MAX_TOKEN_LENGTH = 2048


class FetchTokenRefused(Exception):
    """The token does not allow this fetch; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class FetchClaims:
    tid: str
    job_id: str
    job_key: str
    src: str
    dst: str
    device_id: str
    exp: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FetchTokenSigner:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generated(cls) -> FetchTokenSigner:
        """A signer with a fresh key (tests; a server loads its own)."""
        return cls(Ed25519PrivateKey.generate())

    def sign(self, claims: FetchClaims) -> str:
        body = _b64(json.dumps(asdict(claims), separators=(",", ":")).encode())
        return f"{body}.{_b64(self._key.sign(body.encode('ascii')))}"

    @property
    def public_key(self) -> str:
        """The raw public key, base64url: what agents put in a ``FetchTokenVerifier``."""
        return _b64(self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


class FetchTokenVerifier:
    def __init__(self, public_key: str) -> None:
        self._key = Ed25519PublicKey.from_public_bytes(_unb64(public_key))

    def verify(self, token: str, *, now: float, job_key: str, src: str) -> FetchClaims:
        """The claims of ``token`` when it is genuine, unexpired and for ``job_key`` held
        by agent ``src``; raises ``FetchTokenRefused`` otherwise."""
        claims = self._decode(token)
        if claims.exp <= now:
            raise FetchTokenRefused(401, "fetch token expired: ask for the job to be "
                                    "released again")
        if claims.src != src:
            raise FetchTokenRefused(403, "fetch token is for another holding agent")
        if claims.job_key != job_key:
            raise FetchTokenRefused(403, "fetch token is for another job")
        return claims

    def _decode(self, token: str) -> FetchClaims:
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise FetchTokenRefused(401, "malformed fetch token")
        body, signature = token.split(".")
        try:
            self._key.verify(_unb64(signature), body.encode("ascii"))
            raw = json.loads(_unb64(body))
            claims = FetchClaims(**{name: raw[name] for name in FetchClaims.__dataclass_fields__})
        except InvalidSignature:
            raise FetchTokenRefused(401, "fetch token signature is not the server's") from None
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
            raise FetchTokenRefused(401, "malformed fetch token") from None
        if not isinstance(claims.exp, int) or not all(
                isinstance(getattr(claims, name), str) for name in
                ("tid", "job_id", "job_key", "src", "dst", "device_id")):
            raise FetchTokenRefused(401, "malformed fetch token")
        return claims


def load_or_create_signer(data_dir: Path) -> FetchTokenSigner:
    """The server's signing key from ``data_dir/fetch-token.key``, made (0600) on first use."""
    path = data_dir / KEY_FILE
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            pass  # another server instance made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
                out.flush()
                os.fsync(out.fileno())
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key")
    return FetchTokenSigner(loaded)

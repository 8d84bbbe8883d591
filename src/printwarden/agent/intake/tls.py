"""TLS for the agent's listener (``ipps://``).

    paths = tls_files(settings)       # None when ``tls`` is off
    uvicorn.Config(..., ssl_certfile=paths.cert, ssl_keyfile=paths.key)

With ``tls_cert_file``/``tls_key_file`` set, those files are used as they are. Without
them a self-signed certificate (SANs: the host name, ``localhost``, ``127.0.0.1`` and the
listener address) is generated once into ``DATA_DIR/tls/`` (key mode 0600) and reused.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from printwarden.agent.settings import AgentSettings
from printwarden.core.errors import ConfigurationError

__all__ = ["CERT_FILE", "KEY_FILE", "TlsFiles", "generate_self_signed", "tls_files"]

log = logging.getLogger(__name__)
CERT_FILE = "agent-cert.pem"
KEY_FILE = "agent-key.pem"
VALID_DAYS = 825


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path


def _write_private(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if os.name == "posix":
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def _alt_names(extra_hosts: tuple[str, ...]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    seen: set[str] = set()
    for host in (socket.gethostname(), "localhost", "127.0.0.1", *extra_hosts):
        if not host or host in seen or host in ("0.0.0.0", "::"):
            continue
        seen.add(host)
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def generate_self_signed(directory: Path, *, extra_hosts: tuple[str, ...] = ()) -> TlsFiles:
    """Write a new self-signed certificate and its key (mode 0600) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, socket.gethostname() or "localhost"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "printwarden agent"),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alt_names(extra_hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / CERT_FILE, directory / KEY_FILE)
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_private(files.key, key_pem, 0o600)
    _write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    log.info("generated a self-signed TLS certificate in %s", directory)
    return files


def tls_files(settings: AgentSettings) -> TlsFiles | None:
    """The certificate and key the listener uses, or None when TLS is off."""
    if not settings.tls:
        return None
    cert, key = settings.tls_cert_file, settings.tls_key_file
    if cert is not None or key is not None:
        if cert is None or key is None:
            raise ConfigurationError("tls_cert_file and tls_key_file go together")
        for path in (cert, key):
            if not path.is_file():
                raise ConfigurationError(f"TLS file {path} does not exist")
        return TlsFiles(cert, key)
    files = TlsFiles(settings.tls_dir / CERT_FILE, settings.tls_dir / KEY_FILE)
    if files.cert.is_file() and files.key.is_file():
        return files
    return generate_self_signed(settings.tls_dir, extra_hosts=(settings.host,))

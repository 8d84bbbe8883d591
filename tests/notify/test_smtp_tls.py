"""SMTP with STARTTLS and a login, and TLS from the first byte (port 465 style), against
aiosmtpd servers with a self-signed certificate the client is told to trust."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from printwarden.agent.intake.tls import TlsFiles, generate_self_signed
from printwarden.notify.model import SmtpSettings
from printwarden.notify.transports import SendFailed, SmtpMailer
from tests.notify.receivers import SmtpSink


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return generate_self_signed(Path(tmp_path_factory.mktemp("smtp-tls")))


def _server_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and \
        (auth_data.login, auth_data.password) == (b"printer", b"s3cret-pass")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def starttls_sink(tls: TlsFiles) -> Iterator[SmtpSink]:
    sink = SmtpSink(tls_context=_server_context(tls), require_starttls=True,
                    authenticator=_check_login, auth_required=True, auth_require_tls=True)
    yield sink.start()
    sink.stop()


def _mail() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "p@example.org", "a@example.org", "hi"
    mail.set_content("hello")
    return mail


def test_starttls_with_a_login_delivers(starttls_sink: SmtpSink, tls: TlsFiles) -> None:
    mailer = SmtpMailer(ssl.create_default_context(cafile=str(tls.cert)))
    mailer.send(SmtpSettings(host="127.0.0.1", port=starttls_sink.port,
                             sender="p@example.org", tls="starttls", username="printer",
                             password="s3cret-pass", timeout_seconds=10), _mail())
    assert [m["Subject"] for m in starttls_sink.messages] == ["hi"]


def test_a_wrong_password_or_an_untrusted_certificate_is_a_clear_failure(
        starttls_sink: SmtpSink, tls: TlsFiles) -> None:
    trusted = SmtpMailer(ssl.create_default_context(cafile=str(tls.cert)))
    settings = SmtpSettings(host="127.0.0.1", port=starttls_sink.port,
                            sender="p@example.org", tls="starttls", username="printer",
                            password="wrong", timeout_seconds=10)
    with pytest.raises(SendFailed, match="SMTP 535"):
        trusted.send(settings, _mail())
    with pytest.raises(SendFailed, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        SmtpMailer().send(settings, _mail())  # the system's CAs do not know this one
    assert starttls_sink.messages == []


def test_tls_from_the_first_byte_delivers(tls: TlsFiles) -> None:
    sink = SmtpSink(ssl_context=_server_context(tls)).start()
    try:
        mailer = SmtpMailer(ssl.create_default_context(cafile=str(tls.cert)))
        mailer.send(SmtpSettings(host="127.0.0.1", port=sink.port, sender="p@example.org",
                                 tls="ssl", timeout_seconds=10), _mail())
        assert len(sink.messages) == 1
    finally:
        sink.stop()

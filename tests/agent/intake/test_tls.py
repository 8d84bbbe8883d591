"""ipps://: a self-signed certificate made once, ipptool and our IPP client over TLS."""

from __future__ import annotations

import asyncio
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from printwarden.agent.forwarding import forwarder_for
from printwarden.agent.forwarding.interface import ForwardJob
from printwarden.agent.intake.tls import tls_files
from printwarden.agent.settings import load_agent_settings
from printwarden.core.errors import ConfigurationError
from printwarden.ipp import DelimiterTag
from tests.agent.e2e.support import add_agent_queue, poll, server_jobs
from tests.agent.intake.support import TlsAgentProcess
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, make_pdf

IPPTOOL = shutil.which("ipptool")
SUITE = Path("/usr/share/cups/ipptool/get-printer-attributes.test")


def test_a_self_signed_certificate_is_made_once_and_reused(tmp_path: Path) -> None:
    settings = load_agent_settings(tmp_path / "agent", tls=True, host="127.0.0.1")
    files = tls_files(settings)
    assert files is not None
    assert files.key.parent == settings.data_dir / "tls"
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(a) for a in names.get_values_for_type(x509.IPAddress)]
    again = tls_files(settings)
    assert again == files
    assert again.cert.read_bytes() == files.cert.read_bytes()
    assert tls_files(load_agent_settings(tmp_path / "plain")) is None
    with pytest.raises(ConfigurationError):
        tls_files(load_agent_settings(tmp_path / "half", tls=True,
                                      tls_cert_file=files.cert))


def test_an_agent_serves_ipps_to_ipptool_and_to_our_client(
        live: LiveServer, world: World, downstream: RunningVirtualPrinter,
        tmp_path: Path) -> None:
    agent = TlsAgentProcess(tmp_path / "tls-agent", live.url,
                            extra_settings="tls = true\n")
    try:
        agent.start(enrol=world.code)
        add_agent_queue(world, agent, "secure", downstream.uri)
        uri = agent.uri("secure")

        answer = agent.printer_attributes("secure")
        assert answer.get(DelimiterTag.PRINTER, "printer-uri-supported").value == uri
        assert answer.get(DelimiterTag.PRINTER, "uri-security-supported").value == "tls"

        if IPPTOOL is not None and SUITE.exists():
            # no -T: ipptool's timeout option breaks its TLS reads (0 bytes in response)
            result = subprocess.run([IPPTOOL, "-tI", uri, str(SUITE)],
                                    capture_output=True, text=True, timeout=60)
            report = result.stdout + result.stderr
            assert result.returncode == 0, report
            assert "[PASS]" in report and "[FAIL]" not in report

        document = make_pdf(tmp_path / "doc.pdf", pages=1)
        job = ForwardJob(job_id="tls-1", title="over tls", username="alice",
                         document=document, document_format="application/pdf")
        forwarder = forwarder_for(uri, verify=False, follow_timeout=30.0)
        result = asyncio.run(forwarder.send(job))
        assert result.ok, result
        poll(lambda: [j for j in server_jobs(live, "alice") if j.state.value == "completed"],
             "the job printed through the TLS agent")
        arrived = poll(lambda: sorted(downstream.directory.iterdir()), "the document")
        assert arrived[0].read_bytes() == document.read_bytes()
    finally:
        agent.kill()

"""An agent process serving ipps:// (its health checks go over TLS)."""

from __future__ import annotations

from typing import Any

import httpx

from printwarden.ipp import IppMessage, decode
from tests.agent.e2e.support import AgentProcess
from tests.ipp.server.support import ipp_request


class TlsAgentProcess(AgentProcess):
    verify_tls = False  # its certificate is self-signed

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def url(self, queue: str) -> str:
        return f"https://127.0.0.1:{self.port}/ipp/print/{queue}"

    def uri(self, queue: str) -> str:
        return f"ipps://127.0.0.1:{self.port}/ipp/print/{queue}"

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"the agent exited: {self.log.read_text(errors='replace')}")
        try:
            return httpx.get(f"{self.base}/healthz", timeout=2, verify=False).is_success
        except httpx.HTTPError:
            return False

    def ipp(self, queue: str, operation: int, *extra: Any, data: bytes = b"",
            **options: Any) -> IppMessage:
        body = ipp_request(operation, self.uri(queue), *extra, **options) + data
        response = httpx.post(self.url(queue), content=body, verify=False,
                              headers={"Content-Type": "application/ipp"}, timeout=60)
        assert response.status_code == 200, response.text
        return decode(response.content)[0]

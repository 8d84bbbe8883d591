"""Composition root of the agent role: settings -> journal, spool, link, forwarders, core.

``enrol`` exchanges a one-time code for the agent token (stored 0600 in the data dir);
``build_agent`` wires an ``AgentService`` (not started). Tests wire the same root with a
temporary data directory and a real server.
"""

from __future__ import annotations

import logging
import platform

from printwarden import __version__
from printwarden.agent.forwarding import (
    Forwarder,
    ForwardJob,
    ForwardResult,
    RetryPolicy,
    StatusCallback,
    forwarder_for,
    send_with_retry,
)
from printwarden.agent.intake.tls import KEY_FILE
from printwarden.agent.processing.pipeline import SendDocument
from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings, read_token, write_token
from printwarden.agent.storage.job_book import JobBook
from printwarden.agent.storage.journal import Journal
from printwarden.agent.storage.spool import Spool
from printwarden.core.errors import ConfigurationError
from printwarden.core.private_files import (
    create_private_file,
    secure_paths,
    with_sqlite_companions,
)

log = logging.getLogger("printwarden.agent")


async def enrol(settings: AgentSettings, code: str, *, name: str | None = None) -> str:
    """Register with ``code`` and store the token; answers the agent id."""
    link = ServerLink(settings.server_urls, timeout=settings.request_timeout_seconds)
    try:
        answer = await link.register(code, name=name or settings.name or platform.node(),
                                     hostname=platform.node(), version=__version__)
    finally:
        await link.aclose()
    write_token(settings, str(answer["token"]))
    return str(answer["agent_id"])


def forwarding_sender(settings: AgentSettings) -> SendDocument:
    """Send through the backend of each device URI, retrying transient faults."""
    policy = RetryPolicy(max_attempts=settings.forward_attempts,
                         initial_delay=settings.forward_delay_seconds)
    forwarders: dict[str, Forwarder] = {}

    async def send(device_uri: str, job: ForwardJob, on_status: StatusCallback) -> ForwardResult:
        forwarder = forwarders.get(device_uri)
        if forwarder is None:
            try:
                forwarder = forwarders[device_uri] = forwarder_for(device_uri)
            except ValueError as exc:  # a bad device URI: nothing to retry
                return ForwardResult(ok=False, pages_printed=None, copies_printed=0,
                                     detail=str(exc), retryable=False)
        return await send_with_retry(forwarder, job, policy, on_status=on_status)

    return send


def secure_agent_files(settings: AgentSettings) -> None:
    """Data and spool directories 0700; journal (+WAL/SHM), token and TLS key 0600: what
    was open to others is tightened and logged as a warning (``core.private_files``)."""
    files = [*with_sqlite_companions(settings.journal_path), settings.token_path,
             settings.tls_dir / KEY_FILE]
    for finding in secure_paths([settings.data_dir, settings.spool_dir], files):
        log.warning("insecure file mode: %s", finding.describe())


def build_agent(settings: AgentSettings, *, send: SendDocument | None = None) -> AgentService:
    """Wire the agent from ``settings``; it must have been enrolled (token present)."""
    secure_agent_files(settings)
    token = read_token(settings)
    if token is None:
        raise ConfigurationError(f"this agent is not enrolled: no token in "
                                 f"{settings.token_path} (enrol with a one-time code)")
    create_private_file(settings.journal_path)  # 0600 before SQLite (WAL/SHM follow it)
    journal = Journal(settings.journal_path)
    spool = Spool(settings.spool_dir, journal, max_job_bytes=settings.max_job_bytes,
                  min_free_bytes=settings.min_free_bytes)
    link = ServerLink(settings.server_urls, token=token,
                      timeout=settings.request_timeout_seconds)
    return AgentService(settings, JobBook(journal, spool), link,
                     send or forwarding_sender(settings))

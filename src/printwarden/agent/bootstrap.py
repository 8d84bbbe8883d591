"""Composition root of the agent role: settings -> journal, spool, link, forwarders, core.

``enrol`` exchanges a one-time code for the agent token (stored 0600 in the data dir);
``build_agent`` wires an ``AgentService`` (not started). Tests wire the same root with a
temporary data directory and a real server.
"""

from __future__ import annotations

import logging
import platform

import httpx

from printwarden import __version__
from printwarden.agent.forwarding import Forwarders
from printwarden.agent.intake.tls import KEY_FILE
from printwarden.agent.processing.delivery import SendDocument
from printwarden.agent.server_link.client import ServerLink
from printwarden.agent.service import AgentService
from printwarden.agent.settings import AgentSettings, read_token, write_token
from printwarden.agent.storage.job_book import JobBook
from printwarden.agent.storage.journal import Journal
from printwarden.agent.storage.spool import Spool
from printwarden.core.clock import Clock, SystemClock
from printwarden.core.errors import ConfigurationError
from printwarden.core.private_files import (
    create_private_file,
    secure_paths,
    with_sqlite_companions,
)
from printwarden.release.snmp_client import SnmpClient

log = logging.getLogger("printwarden.agent")


async def enrol(settings: AgentSettings, code: str, *, name: str | None = None,
                transport: httpx.AsyncBaseTransport | None = None) -> str:
    """Register with ``code`` and store the token; answers the agent id."""
    link = ServerLink(settings.server_urls, timeout=settings.request_timeout_seconds,
                      transport=transport)
    try:
        answer = await link.register(code, name=name or settings.name or platform.node(),
                                     hostname=platform.node(), version=__version__)
    finally:
        await link.aclose()
    write_token(settings, str(answer["token"]))
    return str(answer["agent_id"])


def secure_agent_files(settings: AgentSettings) -> None:
    """Data and spool directories 0700; journal (+WAL/SHM), token and TLS key 0600: what
    was open to others is tightened and logged as a warning (``core.private_files``)."""
    files = [*with_sqlite_companions(settings.journal_path), settings.token_path,
             settings.tls_dir / KEY_FILE]
    for finding in secure_paths([settings.data_dir, settings.spool_dir], files):
        log.warning("insecure file mode: %s", finding.describe())


def build_agent(settings: AgentSettings, *, send: SendDocument | None = None,
                transport: httpx.AsyncBaseTransport | None = None,
                clock: Clock | None = None,
                peer_transport: httpx.AsyncBaseTransport | None = None) -> AgentService:
    """Wire the agent from ``settings``; it must have been enrolled (token present).

    The seams tests use: ``send`` (a forwarder, e.g. ``ScriptedForwarder``), ``transport``
    (the server link's httpx transport, e.g. ``httpx.ASGITransport`` over the real server
    app), ``clock`` (the agent's wall clock, e.g. ``FixedClock``) and ``peer_transport``
    (find-me fetches from other agents)."""
    secure_agent_files(settings)
    token = read_token(settings)
    if token is None:
        raise ConfigurationError(f"this agent is not enrolled: no token in "
                                 f"{settings.token_path} (enrol with a one-time code)")
    the_clock = clock or SystemClock()
    create_private_file(settings.journal_path)  # 0600 before SQLite (WAL/SHM follow it)
    journal = Journal(settings.journal_path, the_clock)
    spool = Spool(settings.spool_dir, journal, max_job_bytes=settings.max_job_bytes,
                  min_free_bytes=settings.min_free_bytes, clock=the_clock)
    link = ServerLink(settings.server_urls, token=token,
                      timeout=settings.request_timeout_seconds, transport=transport)
    forwarders = Forwarders()
    return AgentService(settings, JobBook(journal, spool, the_clock), link,
                        send or forwarders.send, status_of=forwarders.status,
                        peer_transport=peer_transport, snmp=SnmpClient(the_clock))

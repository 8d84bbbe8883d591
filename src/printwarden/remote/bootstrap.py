"""Composition root of the remote role: the server's own wiring (``build_server``) on the
remote's database, plus the replica and the loop that keeps it.

Its ledger writes entries with ``origin_site`` = the remote's name, and each entry gets
its site sequence in the ledger outbox in the entry's transaction (the entry sink
``sync.outbox.record_entries``); the loop pushes them to central before each pull.

The remote signs users in with central's card key (the hashes it replicates are made with
it), received at enrolment and kept in ``remote.json``. Its ledger's ``site`` also
chooses the quota schedules it runs (``run_due_allocations``: those central delegated
to that name). It runs its own scheduler on its own database (``remote/run.py``): the
sweeps of its own jobs and sessions, those allocations. Its ledger knows when the remote
is cut off from central (``OfflineWatch``) and then applies each account's offline
credit policy.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import Connection

from printwarden.container import ServerContainer
from printwarden.core.clock import Clock, SystemClock
from printwarden.core.errors import ConfigurationError
from printwarden.core.settings import ServerSettings
from printwarden.db.engine import Database
from printwarden.ledger.offline_funds import OfflineFunds
from printwarden.remote import enrolment as enrolment_file
from printwarden.remote.central_client import CentralClient
from printwarden.remote.enrolment import Enrolment
from printwarden.remote.offline import OfflineWatch
from printwarden.remote.puller import Puller, SyncStatus
from printwarden.remote.pusher import Pusher
from printwarden.server.bootstrap import build_server
from printwarden.sync import outbox
from printwarden.sync.replica import Replica
from printwarden.sync.unsent import unsent_spending


@dataclass
class RemoteRole:
    container: ServerContainer
    puller: Puller
    enrolment: Enrolment
    #: Whether the remote is cut off from central (offline credit policies apply).
    watch: OfflineWatch


def enrolled(data_dir: Path, *, central: str | None, code: str | None,
             http: httpx.Client | None = None) -> Enrolment:
    """The remote's enrolment: the one kept in ``data_dir``, else a new one with ``code``
    at ``central`` (saved before it is used: the code works once)."""
    kept = enrolment_file.load(data_dir)
    if kept is not None:
        return kept
    if not central or not code:
        raise ConfigurationError("this remote is not enrolled yet: give --central URL and "
                                 "--enrol CODE (made at central with 'printwarden admin "
                                 "remotes add NAME')")
    client = CentralClient(http or httpx.Client(base_url=central.rstrip("/"), timeout=30))
    try:
        made = client.enrol(code, hostname=socket.gethostname(), central=central.rstrip("/"))
    except httpx.HTTPError as exc:
        raise ConfigurationError(f"cannot reach central at {central}: {exc}") from exc
    finally:
        if http is None:
            client.close()
    enrolment_file.save(data_dir, made)
    return made


def _unsent(conn: Connection, account_ids: Sequence[str]) -> dict[str, int]:
    """The ledger's ``UnsentSpending`` (negative: spent) from the outbox's figure
    (``sync.unsent.unsent_spending``, positive: spent)."""
    return {account_id: -spent
            for account_id, spent in unsent_spending(conn, account_ids).items()}


def build_remote(settings: ServerSettings, enrolment: Enrolment, *, db: Database | None = None,
                 clock: Clock | None = None, http: httpx.Client | None = None) -> RemoteRole:
    """Wire a remote; tests pass their ``db``, ``clock`` and an ``http`` client bound to an
    in-process central. While the remote is offline its ledger asks the outbox what it
    spent that central has not acknowledged (``_unsent``)."""
    settings = settings.model_copy(update={"card_hmac_key": enrolment.card_hmac_key})
    the_clock = clock or SystemClock()
    status = SyncStatus()
    watch = OfflineWatch(status, the_clock, after_seconds=settings.remote_offline_after_seconds)
    container = build_server(settings, db=db, clock=the_clock, site=enrolment.name,
                             entry_sink=outbox.record_entries,
                             offline=OfflineFunds(watch.is_offline, _unsent))
    container.replica = True
    client = (CentralClient(http, enrolment.token) if http is not None
              else CentralClient.for_url(enrolment.central, enrolment.token))
    puller = Puller(Replica(container.db), client, container.clock,
                    interval_seconds=settings.sync_poll_interval_seconds,
                    batch_limit=settings.sync_batch_limit, status=status,
                    after_round=watch.is_offline,
                    pusher=Pusher(container.db, client, batch=settings.sync_push_batch,
                                  clock=container.clock))
    return RemoteRole(container, puller, enrolment, watch)

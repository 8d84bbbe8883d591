"""Composition root of the remote role: the server's own wiring (``build_server``) on the
remote's database, plus the replica and the loop that keeps it.

The remote signs users in with central's card key (the hashes it replicates are made with
it), received at enrolment and kept in ``remote.json``. It runs no scheduler: quota
allocations and the sweeps stay central's until central delegates them. Its ledger knows
when the remote is cut off from central (``OfflineWatch``) and then applies each
account's offline credit policy.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import httpx

from printwarden.container import ServerContainer
from printwarden.core.clock import Clock, SystemClock
from printwarden.core.errors import ConfigurationError
from printwarden.core.settings import ServerSettings
from printwarden.db.engine import Database
from printwarden.ledger.offline_funds import OfflineFunds, UnsentSpending
from printwarden.ledger.store import entries_sum
from printwarden.remote import enrolment as enrolment_file
from printwarden.remote.central_client import CentralClient
from printwarden.remote.enrolment import Enrolment
from printwarden.remote.offline import OfflineWatch
from printwarden.remote.puller import Puller, SyncStatus
from printwarden.server.bootstrap import build_server
from printwarden.sync.replica import Replica


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


def build_remote(settings: ServerSettings, enrolment: Enrolment, *, db: Database | None = None,
                 clock: Clock | None = None, http: httpx.Client | None = None,
                 unsent_spending: UnsentSpending = entries_sum) -> RemoteRole:
    """Wire a remote; tests pass their ``db``, ``clock`` and an ``http`` client bound to an
    in-process central.

    ``unsent_spending`` tells the ledger, while the remote is offline, what it spent that
    central has not acknowledged. Until the ledger outbox says which entries central has,
    every entry in the remote's database counts as unsent (``entries_sum``): the safe side
    for a ``limit`` account (it may only spend less)."""
    settings = settings.model_copy(update={"card_hmac_key": enrolment.card_hmac_key})
    the_clock = clock or SystemClock()
    status = SyncStatus()
    watch = OfflineWatch(status, the_clock, after_seconds=settings.remote_offline_after_seconds)
    container = build_server(settings, db=db, clock=the_clock,
                             offline=OfflineFunds(watch.is_offline, unsent_spending))
    client = (CentralClient(http, enrolment.token) if http is not None
              else CentralClient.for_url(enrolment.central, enrolment.token))
    puller = Puller(Replica(container.db), client, container.clock,
                    interval_seconds=settings.sync_poll_interval_seconds,
                    batch_limit=settings.sync_batch_limit, status=status,
                    after_round=watch.is_offline)
    return RemoteRole(container, puller, enrolment, watch)

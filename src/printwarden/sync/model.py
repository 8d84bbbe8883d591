"""Site remotes as central sees them: pure values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RemoteSite:
    id: str
    name: str
    hostname: str
    created_at: datetime
    enrolled_at: datetime | None
    last_contact_at: datetime | None
    #: The version the remote said its replica is at (None: it has not pulled yet).
    acked_version: int | None
    #: An enrolment code is waiting to be used (until ``code_expires_at``).
    code_pending: bool
    code_expires_at: datetime | None


@dataclass(frozen=True)
class RemoteStatus:
    """A remote with its replication lag (versions behind central's head) and its ledger
    entries not yet received (always 0 until remotes write entries of their own)."""

    remote: RemoteSite
    lag_versions: int | None
    pending_entries: int = 0


def lag(head: int, acked: int | None) -> int | None:
    return None if acked is None else max(0, head - acked)

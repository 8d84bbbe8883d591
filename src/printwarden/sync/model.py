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
    #: The highest site sequence of its ledger entries central has applied.
    outbox_acked_seq: int = 0
    #: How many entries it last said it holds unacked (None: it has not said yet).
    pending_entries: int | None = None


@dataclass(frozen=True)
class RemoteStatus:
    """A remote with its replication lag (versions behind central's head), its ledger
    entries not yet received (as it last said), and what reconciliation kept of its
    entries: problems (not posted as they were) and double-site spending reports."""

    remote: RemoteSite
    lag_versions: int | None
    problems: int = 0
    reports: int = 0

    @property
    def pending_entries(self) -> int:
        return self.remote.pending_entries or 0


def lag(head: int, acked: int | None) -> int | None:
    return None if acked is None else max(0, head - acked)

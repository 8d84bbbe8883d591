"""What replicates to a remote: one declaration per table, and nothing else decides it.

A declaration names the table (its columns and primary key come from the SQLAlchemy table
itself), the columns that stay behind, and a site filter. The feed, the snapshot and the
remote's apply loop read this list; a test fails when a declared table has no trigger in
the database (a new declaration needs a migration that installs its triggers:
``db/sync_triggers.py`` writes them), and another when a table is neither declared nor
listed in ``LOCAL`` with its reason.

Secrets that travel, and why:

- ``cards.number_hash``, ``users.pin_hash`` / ``legacy_pin_hash`` / ``id_number_hash``
  are HMACs under central's card key: the remote receives that key at enrolment so it
  can sign users in at its devices; ``users.password_hash`` is argon2id (the remote signs
  users in to its web UI and terminals itself).
- ``agents.token_hash`` and ``terminals.token_hash`` (sha256): the site's agents and
  terminals keep their tokens when they fail over to the remote.
- ``api_tokens.token_hash`` (sha256): the same REST clients work against the remote;
  a revocation at central (``revoked_at``) reaches it like any change.

Enrolment codes (agents', terminals', remotes') never travel: they are enrolled at
central only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from printwarden.accounts.tables import api_tokens, cards, group_members, user_groups, users
from printwarden.devices.tables import (
    agents,
    devices,
    printer_groups,
    queues,
    release_group_members,
    release_groups,
)
from printwarden.ledger.tables import (
    ledger_account_members,
    ledger_accounts,
    ledger_charge_policy,
    ledger_price_lists,
    ledger_quota_schedules,
)
from printwarden.policy.tables import policy_rule_set, policy_rules
from printwarden.release.tables import terminals

#: Chooses the rows of a table one remote receives, given the remote's name. None on a
#: declaration: every row. (No table is split by site today; rows leaving a filter are
#: served to that remote as deletes when the filter lands.)
SiteFilter = Callable[[str], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Replicated:
    """One replicated table."""

    table: sa.Table
    #: Columns that do not travel (bookkeeping that changes often and means nothing at a
    #: remote, like ``last_seen_at``): a change of them alone records no change, and the
    #: remote keeps its own value (they must be nullable or have a server default).
    exclude: tuple[str, ...] = ()
    site_filter: SiteFilter | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.table.columns
                     if column.name not in self.exclude)

    @cached_property
    def columns(self) -> dict[str, sa.Column[Any]]:
        """The travelling columns by name."""
        return {name: self.table.c[name] for name in self.column_names}

    @cached_property
    def key_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.table.primary_key.columns)


#: Parents before children (a snapshot loads in this order; a feed applies in version
#: order whatever the table).
DECLARATIONS: tuple[Replicated, ...] = (
    # accounts: identities and how they sign in
    Replicated(users),
    Replicated(user_groups),
    Replicated(group_members),
    Replicated(cards),
    Replicated(api_tokens, exclude=("last_used_at",)),
    # ledger: accounts with their balances, prices, quota schedules
    Replicated(ledger_accounts),
    Replicated(ledger_account_members),
    Replicated(ledger_charge_policy),
    Replicated(ledger_price_lists),
    Replicated(ledger_quota_schedules),
    # devices: the fleet
    Replicated(agents, exclude=("last_seen_at",)),
    Replicated(printer_groups),
    Replicated(devices),
    Replicated(release_groups),
    Replicated(release_group_members),
    Replicated(queues),
    # release and policy
    Replicated(terminals, exclude=("last_seen_at",)),
    Replicated(policy_rules),
    Replicated(policy_rule_set),
)

BY_NAME: dict[str, Replicated] = {declared.name: declared for declared in DECLARATIONS}

#: Every other table, and why it stays where it is written. A new table must be declared
#: above or listed here (a test checks that every table is one or the other), so none is
#: left out of replication by oversight.
LOCAL: dict[str, str] = {
    "audit_log": "each site audits its own admin actions",
    "leases": "a lease is held by one server's scheduler",
    "enrolment_codes": "agents enrol at central only",
    "terminal_codes": "terminals enrol at central only",
    "device_statuses": "reported by the agent to the server it talks to",
    "agent_events": "events for the agents of the server that emits them",
    "jobs": "a job lives where it was authorized (a remote sends its ended jobs to "
            "central's job log, sync/job_outbox.py)",
    "sync_jobs_sent": "a remote's record of the ended jobs central has recorded",
    "job_events": "with its job",
    "job_questions": "asked by the server that authorizes the job",
    "job_twin_drops": "an agent's drop-twin at the server it was sent to, for that "
                      "server's late authorize",
    "ledger_entries": "a remote's own entries go to central by the ledger outbox; "
                      "balances replicate on ledger_accounts",
    "ledger_outbox": "a remote's site sequence of its own ledger entries",
    "sync_account_shadow": "a remote's copy of central's balances (its replica adds its "
                           "own unsent entries to them)",
    "sync_reconcile_problems": "central's record of remote entries it could not post",
    "sync_reconcile_reports": "central's record of accounts spent past their limit "
                              "by remotes",
    "ledger_reservations": "held by the server that authorized the job",
    "ledger_reservation_parts": "with its reservation",
    "ledger_allocation_runs": "quota allocations run at central only",
    "ledger_request_keys": "idempotency of direct postings at the server that took them",
    "terminal_sessions": "a sign-in at a terminal of this server",
    "terminal_request_keys": "a terminal's retried request is answered by the server that "
                             "took it first (its idempotency key)",
    "copy_reports": "with its terminal session",
    "kiosk_copy_sessions": "a copy session at a device of this server",
    "notify_outbox": "each server sends its own notifications",
    "notify_once": "with the outbox",
    "notify_settings": "notification settings of this server",
    "notify_templates": "notification templates of this server",
    "webhook_endpoints": "webhooks are called by the server that has the event",
    "user_notices": "notices for the pop-ups connected to this server",
    "sync_changes": "the feed itself",
    "sync_state": "the feed's and the replica's counters",
    "sync_remotes": "central's registry of remotes",
}


def declared(name: str) -> Replicated:
    """The declaration of table ``name``; KeyError for a table that does not replicate."""
    return BY_NAME[name]

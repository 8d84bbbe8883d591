"""What rules see of a job: its counts from the request, the user's groups, roles and
balance, the queue's device groups and release group (a few indexed reads, made only
when there are rules to evaluate).

The balance is what the user may spend now from the sources authorize would draw on
(personal quota, their groups' quotas, prepaid credit): balance - reserved + overdraft of
each active limited account; an unlimited account makes it ``UNLIMITED_MINOR``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.accounts.tables import group_members, user_groups, users
from printwarden.devices.tables import devices as device_table
from printwarden.devices.tables import printer_groups, release_groups
from printwarden.jobs.messages import AuthorizeRequest
from printwarden.jobs.ports import QueueView
from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.policy.model import JobFacts

UNLIMITED_MINOR = 10**12


def facts_in(conn: Connection, request: AuthorizeRequest, queue: QueueView, *, user_id: str,
             group_ids: Sequence[str], cost_minor: int, currency: str, at: datetime,
             title: str = "") -> JobFacts:
    groups = _group_names(conn, user_id)
    roles = _roles(conn, user_id)
    device_groups, release_group = _queue_groups(conn, queue)
    return JobFacts(
        queue=queue.name, username=request.username, pages=request.analysis.pages or 0,
        copies=request.copies, color_pages=request.billable_color_pages or 0,
        duplex=request.duplex, paper=request.media, title=title or request.title,
        document_format=request.document_format, at=at, cost_minor=cost_minor,
        balance_minor=balance_in(conn, user_id, group_ids, currency), currency=currency,
        application=request.application, groups=groups, roles=roles,
        device_groups=device_groups, release_group=release_group,
        queue_kind="release" if queue.release_group_id is not None else "direct")


def balance_in(conn: Connection, user_id: str, group_ids: Sequence[str], currency: str) -> int:
    keys = [f"personal:{user_id}", f"credit:{user_id}", *(f"group:{g}" for g in group_ids)]
    rows = conn.execute(sa.select(accounts.c.limited, accounts.c.balance_minor,
                                  accounts.c.reserved_minor, accounts.c.overdraft_minor)
                        .where(accounts.c.owner_key.in_(keys), accounts.c.active.is_(True),
                               accounts.c.currency == currency)).all()
    total = 0
    for limited, balance, reserved, overdraft in rows:
        if not limited:
            return UNLIMITED_MINOR
        total += max(int(balance) - int(reserved) + int(overdraft), 0)
    return total


def _group_names(conn: Connection, user_id: str) -> tuple[str, ...]:
    rows = conn.execute(sa.select(user_groups.c.name)
                        .join(group_members, group_members.c.group_id == user_groups.c.id)
                        .where(group_members.c.user_id == user_id)
                        .order_by(user_groups.c.name)).scalars()
    return tuple(str(name) for name in rows)


def _roles(conn: Connection, user_id: str) -> tuple[str, ...]:
    value = conn.execute(sa.select(users.c.roles).where(users.c.id == user_id)).scalar()
    return tuple(sorted(r.strip() for r in str(value or "").split(",") if r.strip()))


def _queue_groups(conn: Connection, queue: QueueView) -> tuple[tuple[str, ...], str]:
    if queue.device_id is not None:
        names = conn.execute(
            sa.select(printer_groups.c.name)
            .join(device_table, device_table.c.group_id == printer_groups.c.id)
            .where(device_table.c.id == queue.device_id)).scalars()
        return tuple(str(n) for n in names), ""
    if queue.release_group_id is not None:
        name = conn.execute(sa.select(release_groups.c.name)
                            .where(release_groups.c.id == queue.release_group_id)).scalar()
        return (), str(name or "")
    return (), ""

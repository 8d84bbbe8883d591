"""What rules see of a job: its counts from the request, the user's groups, roles and
balance, the queue's device groups and release group (read only when there are rules to
evaluate, and only the facts some enabled rule reads).

The balance is what the user may spend now from the sources authorize would draw on
(personal quota, their groups' quotas, prepaid credit): balance - reserved + overdraft of
each active limited account; an unlimited account makes it ``UNLIMITED_MINOR``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from printwarden.devices.tables import devices as device_table
from printwarden.devices.tables import printer_groups, release_groups
from printwarden.jobs.messages import AuthorizeRequest
from printwarden.jobs.ports import QueueView
from printwarden.ledger.tables import ledger_accounts as accounts
from printwarden.policy.model import JobFacts

UNLIMITED_MINOR = 10**12


def facts_in(conn: Connection, request: AuthorizeRequest, queue: QueueView, *, user_id: str,
             group_ids: Sequence[str], group_names: Sequence[str], roles: Iterable[str],
             needs: frozenset[str], cost_minor: int, currency: str, at: datetime,
             title: str = "") -> JobFacts:
    """The job's facts. What no enabled rule reads (``needs``, from
    ``policy.model.needed_facts``) is not read: the queue's groups are read only for
    rules that name them, and the balance only when something asks for it
    (``JobFacts.balance``: a balance condition a job gets as far as, CEL naming
    ``user.balance``, a denial's or a question's text). Group names and roles come with
    the user and their groups."""
    device_groups, release_group = (
        _queue_groups(conn, queue) if needs & {"device_groups", "release_group"} else ((), ""))
    return JobFacts(
        queue=queue.name, username=request.username, pages=request.analysis.pages or 0,
        copies=request.copies, color_pages=request.billable_color_pages or 0,
        duplex=request.duplex, paper=request.media, title=title or request.title,
        document_format=request.document_format, at=at, cost_minor=cost_minor,
        balance_minor=0, currency=currency,
        application=request.application, groups=tuple(sorted(group_names)),
        roles=tuple(sorted(roles)), device_groups=device_groups,
        release_group=release_group,
        queue_kind="release" if queue.release_group_id is not None else "direct",
        balance_loader=lambda: balance_in(conn, user_id, group_ids, currency))


_BALANCE = (sa.select(accounts.c.limited, accounts.c.balance_minor, accounts.c.reserved_minor,
                      accounts.c.overdraft_minor)
            .where(accounts.c.owner_key.in_(sa.bindparam("b_keys", expanding=True)),
                   accounts.c.active.is_(True), accounts.c.currency == sa.bindparam("b_cur")))


def balance_in(conn: Connection, user_id: str, group_ids: Sequence[str], currency: str) -> int:
    keys = [f"personal:{user_id}", f"credit:{user_id}", *(f"group:{g}" for g in group_ids)]
    total = 0
    for limited, balance, reserved, overdraft in conn.execute(
            _BALANCE, {"b_keys": keys, "b_cur": currency}):
        if not limited:
            return UNLIMITED_MINOR
        total += max(int(balance) - int(reserved) + int(overdraft), 0)
    return total


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

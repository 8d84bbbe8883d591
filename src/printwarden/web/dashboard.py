"""Read models for the web UI pages, assembled from the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from printwarden.core.money import Money
from printwarden.core.principal import Principal
from printwarden.devices.device_status_model import DeviceStatusReport
from printwarden.devices.queue_model import TRUSTED_NETWORK_WARNING
from printwarden.ledger.model import Account

if TYPE_CHECKING:
    from printwarden.container import ServerContainer

ROWS = 50


def _money(minor: int | None, currency: str) -> str:
    """Money for display; blank when there is none (a denied job has no price)."""
    return "" if minor is None or not currency else Money(minor, currency).format()


def _account_row(account: Account, owners: dict[str, str] | None = None) -> dict[str, Any]:
    limit = "unlimited" if not account.limited else (
        f"overdraft {_money(account.overdraft_minor, account.currency)}"
        if account.overdraft_minor else "limited"
    )
    owner = (owners or {}).get(account.owner_user_id or "", "")
    return {
        "name": f"{account.name} ({owner})" if owner else account.name,
        "kind": account.kind, "limit": limit,
        "balance": _money(account.balance_minor, account.currency),
        "reserved": _money(account.reserved_minor, account.currency),
        "negative": account.balance_minor < 0,
        "offline": _offline_credit(account),
    }


def _offline_credit(account: Account) -> str:
    """What a remote cut off from central may let the account spend, in words."""
    if account.offline_credit == "limit":
        return f"up to {_money(account.offline_limit_minor, account.currency)}"
    return {"deny": "nothing", "balance": "its balance"}.get(account.offline_credit,
                                                             account.offline_credit)


def status_cell(report: DeviceStatusReport | None) -> dict[str, str]:
    """A device's last known status for the dashboard (``state`` empty: never reported)."""
    if report is None:
        return {"state": "", "detail": "not reported yet", "when": "", "supplies": ""}
    detail = report.message or ", ".join(report.reasons)
    if report.message and report.reasons:
        detail = f"{report.message} ({', '.join(report.reasons)})"
    return {"state": report.state, "detail": detail,
            "when": report.reported_at.strftime("%Y-%m-%d %H:%M"),
            "supplies": ", ".join(supply.describe() for supply in report.supplies)}


def dashboard_view(container: ServerContainer) -> dict[str, Any]:
    users, user_total = container.accounts.list_users(limit=ROWS)
    accounts, account_total = container.ledger.list_accounts(limit=ROWS)
    jobs, job_total = container.jobs.list_jobs(limit=20)
    agents = container.devices.list_agents()
    personal = {a.owner_user_id: a for a in accounts if a.kind == "personal"}
    credit = {a.owner_user_id: a for a in accounts if a.kind == "credit"}
    owners = {u.id: u.username for u in users}
    queues = container.devices.list_queues()
    devices = container.devices.list_devices()
    statuses = container.devices.device_statuses()
    release_groups = container.devices.list_release_groups()
    printers = {p.id: p.name for p in queues}
    agent_names = {a.id: a.name for a in agents}
    device_names = {d.id: d.name for d in devices}
    group_names = {g.id: g.name for g in release_groups}
    user_rows = []
    for user in users:
        quota, prepaid = personal.get(user.id), credit.get(user.id)
        user_rows.append({
            "username": user.username, "full_name": user.full_name,
            "department": user.department, "roles": ", ".join(sorted(user.roles)),
            "active": user.active,
            "quota": _money(quota.balance_minor, quota.currency) if quota else "",
            "credit": _money(prepaid.balance_minor, prepaid.currency) if prepaid else "",
            "negative": any(a is not None and a.balance_minor < 0 for a in (quota, prepaid)),
        })
    job_rows = [{
        "when": job.created_at.strftime("%Y-%m-%d %H:%M"), "username": job.username,
        "queue": printers.get(job.printer_id, ""), "title": job.title,
        "pages": "" if job.pages is None else job.pages * max(job.copies, 1),
        "state": str(getattr(job.state, "value", job.state)),
        "cost": _money(job.charged_cost_minor if job.charged_cost_minor is not None
                       else job.estimated_cost_minor, job.currency),
        "offline": job.offline, "flag": job.flag or "", "site": job.origin_site or "",
    } for job in jobs]
    past_limit, past_limit_total = container.jobs.list_jobs(past_limit=True, limit=ROWS)
    past_limit_rows = [{
        "when": job.created_at.strftime("%Y-%m-%d %H:%M"), "username": job.username,
        "queue": printers.get(job.printer_id, ""), "title": job.title,
        "cost": _money(job.charged_cost_minor, job.currency), "flag": job.flag or "",
    } for job in past_limit]
    agent_rows = [{
        "name": agent.name, "hostname": agent.hostname, "version": agent.version,
        "last_seen": agent.last_seen_at.strftime("%Y-%m-%d %H:%M") if agent.last_seen_at else "",
        "status": agent.status,
    } for agent in agents]
    queue_rows = [{
        "name": queue.name, "agent": agent_names.get(queue.agent_id or "", ""),
        "kind": queue.kind,
        "prints_at": device_names.get(queue.device_id or "", "") if queue.device_id
        else f"release group {group_names.get(queue.release_group_id or '', '')}",
        "owner_check": queue.owner_check, "enabled": queue.enabled,
        "warning": TRUSTED_NETWORK_WARNING if queue.owner_check == "trusted-network" else "",
    } for queue in queues]
    device_rows = [{
        "name": device.name, "agent": agent_names.get(device.agent_id or "", ""),
        "uri": device.device_uri, "model": device.make_and_model,
        "location": device.location,
        "abilities": ", ".join(word for word, able in (("colour", device.color_capable),
                                                       ("duplex", device.duplex_capable))
                               if able) or "mono, simplex",
        "release_groups": ", ".join(g.name for g in release_groups
                                    if device.id in g.device_ids),
        "enabled": device.enabled,
        "status": status_cell(statuses.get(device.id)),
    } for device in devices]
    return {
        "totals": {"users": user_total, "accounts": account_total, "jobs": job_total,
                   "agents": len(agents)},
        "queues": queue_rows,
        "devices": device_rows,
        "users": user_rows,
        "accounts": [_account_row(a, owners) for a in accounts],
        "jobs": job_rows,
        "agents": agent_rows,
        "copy_flags": container.kiosk_copies.count_flags(),
        #: Jobs printed offline (tracker mode) and charged past their account's limit.
        "past_limit": past_limit_rows, "past_limit_total": past_limit_total,
    }


def my_accounts_view(container: ServerContainer, user_id: str) -> list[dict[str, Any]]:
    return [_account_row(a) for a in container.ledger.accounts_for_user(user_id)]


def me_view(container: ServerContainer, principal: Principal) -> dict[str, Any]:
    """What ``me.html`` shows: the balances, and whether a PIN and an ID number are set."""
    me = container.accounts.get_user(principal.id) if principal.kind == "user" else None
    return {"accounts": my_accounts_view(container, principal.id), "me": me}

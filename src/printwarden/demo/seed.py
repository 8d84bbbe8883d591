"""Demo data: an admin, users with cards, PINs, ID numbers and balances, a group, a
project, prices, a quota.

Seeding is idempotent: a second ``printwarden demo`` on the same data directory reuses what
is there (and the admin password recorded in ``demo.json``).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printwarden.container import ServerContainer
from printwarden.core.money import Money
from printwarden.ledger.model import PriceRule

ACTOR = "demo"
DEMO_FILE = "demo.json"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    department: str
    password: str
    pin: str  # goes with the card or the username
    card: str
    credit_minor: int
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("user",)
    id_number: str = ""  # signs in alone; fixed (and so public) as the demo's passwords are


DEMO_USERS = (
    DemoUser("alice", "Alice Martin", "Physics", "alice-demo-1", "1111", "04A1B2C3D4", 1000,
             ("students",), id_number="31415926"),
    DemoUser("bob", "Bob Dupont", "History", "bob-demo-1", "2222", "04B2C3D4E5", 150,
             ("students",), id_number="27182818"),
    DemoUser("carol", "Carol Nguyen", "IT Services", "carol-demo-1", "3333", "04C3D4E5F6", 2500,
             ("staff",), ("user", "operator"), id_number="14142135"),
)


@dataclass
class DemoInfo:
    server_url: str
    admin: dict[str, str]
    users: list[dict[str, Any]]
    queues: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"server_url": self.server_url, "admin": self.admin, "users": self.users,
                "queues": self.queues}


def _existing_admin_password(data_dir: Path) -> str | None:
    path = data_dir / DEMO_FILE
    if not path.exists():
        return None
    try:
        return str(json.loads(path.read_text("utf-8"))["admin"]["password"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def seed_demo(container: ServerContainer) -> DemoInfo:
    """Create the demo data if missing; return what a person needs to try it."""
    accounts, ledger = container.accounts, container.ledger
    data_dir = container.settings.data_dir
    recorded = _existing_admin_password(data_dir)
    admin_password = recorded or secrets.token_urlsafe(9)
    admin = accounts.find_user_by_username("admin")
    if admin is None:
        accounts.create_user("admin", full_name="Demo Administrator", roles=("admin",),
                             password=admin_password, actor=ACTOR)
    elif recorded is None:  # demo.json was lost: the password printed must be the real one
        accounts.set_password(admin.id, admin_password, actor=ACTOR)
    currency = container.settings.currency
    groups = {}
    for name, description in (("students", "All students"), ("staff", "Teaching and staff")):
        group = accounts.find_group_by_name(name) or accounts.create_group(
            name, description=description, actor=ACTOR)
        groups[name] = group
    users_out = []
    for demo in DEMO_USERS:
        user = accounts.find_user_by_username(demo.username)
        if user is None:
            user = accounts.create_user(
                demo.username, full_name=demo.full_name, department=demo.department,
                email=f"{demo.username}@example.org", roles=demo.roles, password=demo.password,
                pin=demo.pin, actor=ACTOR)
            accounts.add_card(user.id, demo.card, actor=ACTOR)
            if demo.id_number:
                accounts.set_id_number(user.id, demo.id_number, actor=ACTOR)
            for group_name in demo.groups:
                accounts.add_member(groups[group_name].id, user.id, actor=ACTOR)
        credit = ledger.credit_account(user.id)
        ledger.personal_account(user.id)
        ledger.post_entry(credit.id, Money(demo.credit_minor, currency), "top-up",
                          idempotency_key=f"demo:credit:{demo.username}", actor=ACTOR,
                          note="demo starting credit")
        users_out.append({"username": demo.username, "password": demo.password, "pin": demo.pin,
                          "card": demo.card, "id_number": demo.id_number,
                          "full_name": demo.full_name})
    for group in groups.values():
        ledger.group_account(group.id, name=f"{group.name} quota")
    _seed_project(container, currency)
    _seed_prices(container, currency)
    _seed_quota(container, groups["students"].id, currency)
    return DemoInfo(
        server_url=container.settings.effective_public_url,
        admin={"username": "admin", "password": admin_password},
        users=users_out,
    )


def _seed_project(container: ServerContainer, currency: str) -> None:
    ledger, accounts = container.ledger, container.accounts
    existing, _ = ledger.list_accounts(kind="shared")
    if any(a.name == "Project Apollo" for a in existing):
        return
    carol = accounts.get_user_by_username("carol")
    alice = accounts.get_user_by_username("alice")
    project = ledger.open_account("shared", "Project Apollo", currency=currency, limited=True,
                                  members=(carol.id, alice.id), actor=ACTOR)
    ledger.post_entry(project.id, Money(5000, currency), "top-up",
                      idempotency_key="demo:project:apollo", actor=ACTOR, note="project budget")


def _seed_prices(container: ServerContainer, currency: str) -> None:
    ledger = container.ledger
    names = {p.name for p in ledger.list_price_lists()}
    if "Standard" not in names:
        ledger.create_price_list(
            "Standard", kind="print", currency=currency, default=True, actor=ACTOR,
            rules=(
                PriceRule(media="*", color="mono", sides="*", per_page_minor=5,
                          per_sheet_minor=0),
                PriceRule(media="*", color="color", sides="*", per_page_minor=20,
                          per_sheet_minor=0),
                PriceRule(media="iso_a3_297x420mm", color="mono", sides="*",
                          per_page_minor=10, per_sheet_minor=0),
                PriceRule(media="iso_a3_297x420mm", color="color", sides="*",
                          per_page_minor=40, per_sheet_minor=0),
            ))
    if "Copies" not in names:
        ledger.create_price_list(
            "Copies", kind="copy", currency=currency, default=True, actor=ACTOR,
            rules=(
                PriceRule(media="*", color="mono", sides="*", per_page_minor=4,
                          per_sheet_minor=0),
                PriceRule(media="*", color="color", sides="*", per_page_minor=15,
                          per_sheet_minor=0),
            ))


def _seed_quota(container: ServerContainer, students_group_id: str, currency: str) -> None:
    ledger = container.ledger
    if any(s.name == "Weekly student quota" for s in ledger.list_quota_schedules()):
        return
    ledger.create_quota_schedule(
        "Weekly student quota", target_kind="group_members", target_id=students_group_id,
        amount=Money(200, currency), mode="reset", period="weekly", weekday=0, actor=ACTOR)
    ledger.run_due_allocations()


def write_demo_file(data_dir: Path, info: DemoInfo) -> Path:
    path = data_dir / DEMO_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(info.to_json(), handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)
    return path

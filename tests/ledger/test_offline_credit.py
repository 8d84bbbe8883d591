"""Offline credit: what each policy lets an account spend while its site is cut off from
central, decided in one place (``Account.can_give``) and applied by reserve and settle.

The ledger is given a real link: a flag the test flips, and the sum of the site's own
entries in its database as the unsent spending (every entry here is unsent)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import sqlalchemy as sa

from printwarden.core.clock import FixedClock
from printwarden.core.errors import InsufficientFunds, ValidationError
from printwarden.core.ids import new_id
from printwarden.core.money import Money
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.ledger.model import (
    OFFLINE_LIMIT_MAX_MINOR,
    Account,
    offline_room,
    split_cost,
    validate_offline_credit,
)
from printwarden.ledger.offline_funds import OfflineFunds
from printwarden.ledger.service import LedgerService
from printwarden.ledger.tables import ledger_entries as entries
from tests.ledger.checks import assert_ledger_consistent
from tests.ledger.conftest import START
from tests.ledger.test_concurrency import COST, THREADS, reserve_in_parallel


class Link:
    """The site's link with central as the test sets it; its unsent spending is the sum of
    the entries the site wrote itself (central's top-ups on the same database are not)."""

    def __init__(self) -> None:
        self.offline = False

    def funds(self) -> OfflineFunds:
        return OfflineFunds(lambda: self.offline, _site_entries)


def _site_entries(conn: sa.Connection, account_ids: Sequence[str]) -> dict[str, int]:
    rows = conn.execute(sa.select(entries.c.account_id, sa.func.sum(entries.c.amount_minor))
                        .where(entries.c.account_id.in_(account_ids),
                               entries.c.origin_site == SITE)
                        .group_by(entries.c.account_id))
    return {str(row[0]): int(row[1]) for row in rows}


SITE = "site-a"


@pytest.fixture
def central(db: Database, clock: FixedClock) -> LedgerService:
    """Central's ledger on the same database: its top-ups are not the site's spending."""
    return LedgerService(db, clock, AuditLog(db, clock), currency="EUR")


@pytest.fixture
def link() -> Link:
    return Link()


@pytest.fixture
def site(db: Database, clock: FixedClock, link: Link) -> LedgerService:
    return LedgerService(db, clock, AuditLog(db, clock), currency="EUR", site=SITE,
                         offline=link.funds())


def _account(**values: object) -> Account:
    base: dict[str, object] = dict(
        id="a", kind="credit", name="c", currency="EUR", limited=True, overdraft_minor=0,
        balance_minor=1000, reserved_minor=0, owner_user_id="u", group_id=None, active=True,
        created_at=START)
    return Account(**(base | values))  # type: ignore[arg-type]


def _reserve(ledger: LedgerService, user: str, minor: int) -> str:
    return ledger.reserve(job_id=new_id(), user_id=user, amount=Money(minor),
                          idempotency_key=new_id(), actor="agent").id


def _credit(ledger: LedgerService, central: LedgerService, user: str, minor: int, *,
            policy: str, limit: int = 0) -> str:
    """The user's credit account with ``policy``, topped up by central (not the site)."""
    account = ledger.credit_account(user)
    ledger.update_account(account.id, offline_credit=policy, offline_limit=Money(limit),
                          actor="admin")
    central.post_entry(account.id, Money(minor), "top-up", idempotency_key=new_id(), actor="t")
    return account.id


# --- the pure rule -----------------------------------------------------------------------

def test_the_pure_rule_per_policy() -> None:
    assert offline_room("balance", 0, -500, 0) is None
    assert offline_room("deny", 10**6, 0, 0) == 0
    assert offline_room("limit", 500, -120, 30) == 350  # spent and held both count
    assert offline_room("limit", 500, +900, 0) == 500  # money taken in never lifts it
    assert offline_room("limit", 500, -700, 0) == 0
    online = _account(offline_credit="deny")
    assert online.can_give() == 1000 and not online.offline_capped  # read online
    offline = _account(offline_credit="limit", offline_limit_minor=300, unsent_minor=-100)
    assert offline.can_give() == 200 and offline.offline_capped
    unlimited = _account(limited=False, offline_credit="limit", offline_limit_minor=300,
                         unsent_minor=0)
    assert unlimited.can_give() == 300  # an unlimited account is capped too
    poor = _account(balance_minor=50, offline_credit="limit", offline_limit_minor=300,
                    unsent_minor=0)
    assert poor.can_give() == 50 and not poor.offline_capped  # never past the balance
    with pytest.raises(InsufficientFunds, match=r"^Offline: this account may not spend"):
        split_cost(Money(1), [_account(offline_credit="deny", unsent_minor=0)])
    assert split_cost(Money(0), [_account(offline_credit="deny", unsent_minor=0)])[0] \
        .amount.minor == 0  # a free job still prints


@pytest.mark.parametrize(("policy", "limit"), [("credit", 0), ("limit", -1),
                                               ("limit", OFFLINE_LIMIT_MAX_MINOR + 1)])
def test_bad_policies_and_limits_are_refused(policy: str, limit: int) -> None:
    with pytest.raises(ValidationError):
        validate_offline_credit(policy, limit)


# --- the ledger, online and offline ------------------------------------------------------

@pytest.mark.parametrize(("policy", "offline_may"), [("balance", 1000), ("limit", 300),
                                                     ("deny", 0)])
def test_each_policy_online_and_offline(site: LedgerService, central: LedgerService,
                                        link: Link, new_user: Callable[[], str], policy: str,
                                        offline_may: int) -> None:
    user = new_user()
    _credit(site, central, user, 1000, policy=policy, limit=300)
    with pytest.raises(InsufficientFunds):
        _reserve(site, user, 1001)  # online: the balance, whatever the policy
    online = _reserve(site, user, 1000)
    site.release(online, idempotency_key=new_id(), actor="t")
    link.offline = True
    if offline_may:
        site.release(_reserve(site, user, offline_may), idempotency_key=new_id(), actor="t")
    with pytest.raises(InsufficientFunds) as refused:
        _reserve(site, user, offline_may + 1)
    if policy != "balance":
        assert refused.value.message.startswith("Offline:")
    assert _reserve(site, user, 0)  # a free job always prints
    link.offline = False
    site.release(_reserve(site, user, 1000), idempotency_key=new_id(), actor="t")


def test_a_limit_is_exact_at_the_boundary_across_jobs(
        site: LedgerService, central: LedgerService, link: Link,
        new_user: Callable[[], str]) -> None:
    user = new_user()
    account = _credit(site, central, user, 5000, policy="limit", limit=500)
    link.offline = True
    first = _reserve(site, user, 180)
    site.settle(first, Money(180), idempotency_key=new_id(), actor="agent")
    held = _reserve(site, user, 120)  # held, not settled: it counts too
    with pytest.raises(InsufficientFunds, match=r"only 2\.00 EUR may be spent"):
        _reserve(site, user, 201)
    last = _reserve(site, user, 200)  # exactly the rest
    with pytest.raises(InsufficientFunds):
        _reserve(site, user, 1)
    site.settle(held, Money(120), idempotency_key=new_id(), actor="agent")
    site.settle(last, Money(200), idempotency_key=new_id(), actor="agent")
    assert site.get_account(account).balance_minor == 5000 - 500
    link.offline = False
    assert _reserve(site, user, 4500)  # back online: the balance again


def test_settling_offline_above_the_hold_stops_at_the_limit(
        site: LedgerService, central: LedgerService, link: Link,
        new_user: Callable[[], str]) -> None:
    """A job that printed dearer than held is charged up to the limit, the rest is
    uncollected (it printed: never refused after the fact)."""
    user = new_user()
    account = _credit(site, central, user, 5000, policy="limit", limit=300)
    link.offline = True
    reservation = _reserve(site, user, 200)
    settled = site.settle(reservation, Money(450), idempotency_key=new_id(), actor="agent")
    assert settled.charged.minor == 300 and settled.uncollected == Money(150)
    assert site.get_account(account).balance_minor == 4700


def test_a_hold_granted_online_is_charged_in_full_offline_even_when_denied(
        site: LedgerService, central: LedgerService, link: Link,
        new_user: Callable[[], str]) -> None:
    user = new_user()
    account = _credit(site, central, user, 1000, policy="deny")
    reservation = _reserve(site, user, 400)  # held online (a job waiting for release)
    link.offline = True
    settled = site.settle(reservation, Money(450), idempotency_key=new_id(), actor="agent")
    assert settled.charged.minor == 400 and settled.uncollected == Money(50)
    assert site.get_account(account).balance_minor == 600


def test_new_accounts_take_the_sites_default_and_changes_are_audited(
        db: Database, clock: FixedClock, new_user: Callable[[], str]) -> None:
    audit = AuditLog(db, clock)
    ledger = LedgerService(db, clock, audit, currency="EUR", offline_credit_default="deny")
    assert ledger.credit_account(new_user()).offline_credit == "deny"
    shared = ledger.open_account("shared", "project", actor="admin")
    assert shared.offline_credit == "deny"
    changed = ledger.update_account(shared.id, offline_credit="limit",
                                    offline_limit=Money(250), actor="admin:ann")
    assert (changed.offline_credit, changed.offline_limit_minor) == ("limit", 250)
    record = next(r for r in audit.recent() if r["action"] == "ledger.account.update")
    assert (record["actor"], record["target"]) == ("admin:ann", shared.id)
    assert record["detail"] == {"offline_credit": "limit", "offline_limit_minor": 250}
    with pytest.raises(ValidationError):
        ledger.update_account(shared.id, offline_limit=Money(-1), actor="admin")
    with pytest.raises(ValidationError):
        LedgerService(db, clock, audit, currency="EUR", offline_credit_default="maybe")


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_concurrent_offline_authorizes_never_pass_the_limit(
        site: LedgerService, central: LedgerService, link: Link,
        new_user: Callable[[], str], db: Database) -> None:
    user = new_user()
    account = _credit(site, central, user, 100_000, policy="limit", limit=500)
    link.offline = True
    held, refused = reserve_in_parallel(site, user)  # 8 jobs of 1.20: 4 fit in 5.00
    assert (len(held), refused) == (4, THREADS - 4)
    for reservation in held:
        site.settle(reservation.id, Money(COST), idempotency_key=new_id(), actor="agent")
    assert site.get_account(account).balance_minor == 100_000 - 4 * COST
    with pytest.raises(InsufficientFunds):
        _reserve(site, user, 21)
    assert_ledger_consistent(db)

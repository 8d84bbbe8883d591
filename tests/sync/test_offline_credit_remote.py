"""A remote cut off from central authorizes prints and copy sessions within each account's
offline credit policy, set at central through the REST API and replicated: an in-process
central, a remote built with ``build_remote`` on its own database, the remote's clock
moved past ``remote_offline_after_seconds`` to cut it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from printwarden.core.clock import FixedClock
from printwarden.core.pricing import PriceRule
from printwarden.core.settings import load_server_settings
from printwarden.jobs.model import JobState
from printwarden.release.copy_charges import NothingToSpend, copy_allowance
from printwarden.remote.bootstrap import RemoteRole, build_remote, enrolled
from tests.jobs.world import MONO_PAGE, World, make_world
from tests.sync.support import CENTRAL, Pair, pair

__all__ = ["pair"]

AFTER = 10.0


def _remote(p: Pair, clock: FixedClock) -> RemoteRole:
    """The remote, given the stand-in for the ledger outbox's unsent spending (every entry
    in its database is its own and unsent)."""
    _, code = p.central.remotes.create("site-a", actor="test")
    data_dir = p.tmp / "remote"
    data_dir.mkdir()
    enrolment = enrolled(data_dir, central=CENTRAL, code=code, http=p.http)
    settings = load_server_settings(data_dir, database_url=p.remote_db.url,
                                    remote_offline_after_seconds=AFTER)
    return build_remote(settings, enrolment, db=p.remote_db, clock=clock, http=p.http)


def _admin(p: Pair) -> dict[str, str]:
    admin = p.central.accounts.create_user("root", roles=("admin",), actor="test")
    token, _ = p.central.accounts.create_api_token(admin.id, "t", actor="test")
    return {"Authorization": f"Bearer {token}"}


def _print(remote: RemoteRole, world: World, key: str, pages: int) -> tuple[str, str]:
    agent = remote.container.devices.principal_for_agent_token(world.token)
    decision = remote.container.jobs.authorize(agent, world.request(key, pages=pages))
    job = remote.container.jobs.get_job(decision.job_id)
    assert job.state is (JobState.AUTHORIZED if decision.decision == "allow"
                         else JobState.DENIED)
    return decision.decision, decision.message


@pytest.mark.parametrize("pair", ["sqlite"], indirect=True)
def test_the_policy_set_at_central_is_enforced_by_the_remote_offline(pair: Pair) -> None:
    central = pair.central
    world = make_world(central)  # alice, 10.00 EUR on her personal account, 0.05 a page
    central.ledger.create_price_list("Copies", kind="copy", default=True, actor="test",
                                     rules=(PriceRule(color="mono", per_page_minor=5),))
    personal = central.ledger.personal_account(world.user_id)
    central.ledger.credit_account(world.user_id)
    admin = _admin(pair)
    clock = FixedClock(datetime.now(UTC))
    remote = _remote(pair, clock)
    path = f"/api/v1/accounts/{personal.id}"
    assert pair.http.patch(path, json={"offline_credit": "limit", "offline_limit": "0.50"},
                           headers=admin).json()["offline_credit"] == "limit"
    remote.puller.catch_up()
    assert remote.container.ledger.get_account(personal.id).offline_limit_minor == 50
    assert not remote.watch.is_offline()

    clock.advance(timedelta(seconds=AFTER + 1))  # no pull since: cut off
    assert remote.watch.is_offline() and not central.ledger.is_offline()
    assert _print(remote, world, "exact", 50 // MONO_PAGE)[0] == "allow"  # exactly the rest
    decision, message = _print(remote, world, "one-more", 1)
    assert decision == "deny" and message.startswith("Offline:")
    with pytest.raises(NothingToSpend, match=r"^offline:"):
        copy_allowance(remote.container.ledger, world.user_id, 1000)

    assert pair.http.patch(path, json={"offline_credit": "deny"},
                           headers=admin).status_code == 200
    remote.puller.catch_up()  # central answers: online again
    assert not remote.watch.is_offline()
    assert remote.container.ledger.get_account(personal.id).offline_credit == "deny"
    assert _print(remote, world, "online", 2)[0] == "allow"  # online: the balance
    clock.advance(timedelta(seconds=AFTER + 1))
    decision, message = _print(remote, world, "denied", 1)
    assert decision == "deny" and "may not spend while the site is cut off" in message
    central_agent = central.devices.principal_for_agent_token(world.token)
    assert central.jobs.authorize(central_agent, world.request("central", pages=1)
                                  ).decision == "allow"  # central is never offline

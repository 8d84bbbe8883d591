"""A remote site server serving its site while central is down, every part a real process
or socket (``tests/offline/remote_site.py``), then reconciled when central is back.

Before the cut, at central: alice's accounts exist (a remote does not create accounts
central knows), her prepaid credit is topped up, its offline credit policy is ``limit``
(far smaller than the balance), a copy price list is the default; the remote converges.
Then the central server process is stopped (not only its proxies cut): the agent and the
terminal fail over to the remote, which counts itself offline after its (short)
``remote_offline_after_seconds``. At the remote, alice prints to a hold queue with
ipptool, signs in at the terminal by card and PIN, releases the job (it reaches the
printer, charged there), copies through a copy session (a report past her offline limit
is refused, the others charged at close), and a print past the limit is denied
"Offline:". Central is started again on the same data directory: once the remote's
pending entries are 0 at central's ``GET /api/v1/sync/remotes``, central's balance is the
start balance minus exactly what the prices say the remote charged, each of the remote's
entries is at central once (its own idempotency key, ``origin_site`` the remote's name),
and the remote's balance of the account equals central's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from printwarden.core.money import Money
from printwarden.core.pricing import PriceRule
from printwarden.jobs.model import JobState
from printwarden.ledger.model import Account, Entry
from printwarden.sync import outbox
from printwarden.sync.feed import read_counter
from tests.agent.e2e.support import poll
from tests.agent.support import MONO_PAGE
from tests.ipp.server.ipptool_support import IPPTOOL
from tests.offline.remote_site import CARD, PIN, RemoteSite, ipptool_print, start_site

pytestmark = pytest.mark.skipif(IPPTOOL is None, reason="ipptool (cups-ipp-utils) is needed")

#: The remote counts itself offline this soon after its last pull (the default is 10 s).
OFFLINE_AFTER_SECONDS = 1.0
START_MINOR = 1000  #: alice's prepaid credit: the seed's top-up
EXTRA_MINOR = 500  #: and a top-up made at central before the cut
OFFLINE_LIMIT_MINOR = 30  #: what her credit may spend while the site is cut off
COPY_PAGE = 4  #: the copy price list's mono page
REMOTE = "site"  #: the remote's name at central (the harness's)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteSite]:
    yield from start_site(tmp_path_factory.mktemp("remote-offline"),
                          remote_offline_after_seconds=OFFLINE_AFTER_SECONDS)


def job_ids(site: RemoteSite, state: JobState | None = None) -> set[str]:
    return {job.id for job in site.jobs_at(site.remote.container, state)}


def entries(container: Any, account: Account) -> list[Entry]:
    found, total = container.ledger.list_entries(account_id=account.id, limit=1000)
    assert len(found) == total
    return list(found)


def reconciled(site: RemoteSite, admin: dict[str, str], last_seq: int) -> bool:
    """Central's REST API says the remote has no pending entries and central holds every
    one up to ``last_seq``, none kept as a problem (False: not yet, or central does not
    answer yet)."""
    try:
        answer = httpx.get(site.central.url + "/api/v1/sync/remotes", headers=admin,
                           timeout=5)
    except httpx.TransportError:
        return False
    [remote] = [item for item in answer.json()["items"] if item["name"] == REMOTE]
    assert remote["problems"] == 0 and remote["reports"] == 0, remote
    return bool(remote["pending_entries"] == 0 and remote["outbox_acked_seq"] >= last_seq)


def admin_headers(site: RemoteSite) -> dict[str, str]:
    accounts = site.central.container.accounts
    root = accounts.create_user("root", roles=("admin",), actor="test")
    token, _ = accounts.create_api_token(root.id, "test", actor="test")
    return {"Authorization": f"Bearer {token}"}


def test_central_down_the_remote_prints_releases_and_copies_within_the_quota_then_reconciles(
        site: RemoteSite) -> None:
    central, alice = site.central.container, site.world.alice_id
    admin = admin_headers(site)
    central.ledger.personal_account(alice)  # every account she may spend from, at central
    credit = central.ledger.credit_account(alice)
    site.world.top_up(alice, EXTRA_MINOR)
    start = START_MINOR + EXTRA_MINOR
    assert central.ledger.get_account(credit.id).balance_minor == start
    central.ledger.update_account(credit.id, offline_credit="limit",
                                  offline_limit=Money(OFFLINE_LIMIT_MINOR, "EUR"),
                                  actor="test")
    central.ledger.create_price_list("Copies", kind="copy", currency="EUR", default=True,
                                     actor="test",
                                     rules=(PriceRule(color="mono", per_page_minor=COPY_PAGE),))
    site.converged()
    remote = site.remote.container
    assert remote.ledger.get_account(credit.id).balance_minor == start
    assert remote.ledger.get_account(credit.id).offline_limit_minor == OFFLINE_LIMIT_MINOR
    assert site.remote.ready()["offline"] is False
    central_entries = {e.id for e in entries(central, credit)}
    printed = site.printed()

    site.central.stop()  # central down: the site has its remote only
    poll(lambda: site.remote.ready()["offline"] is True, "the remote offline", step=0.1)

    # A print on the hold queue, held at the remote, released there at the terminal.
    ipptool_print(site, "vault")
    [held] = poll(lambda: job_ids(site, JobState.HELD), "the job held at the remote")
    assert site.agent.health()["server"] == site.agent_remote.url()
    assert site.terminal.run(f"card {CARD}")["need"] == "pin"
    signed_in = site.terminal.run(f"pin {PIN}")
    assert signed_in["ok"] and signed_in["session"]["user"]["username"] == "alice", signed_in
    assert site.terminal.run("status")["server"] == site.terminal_remote.url()
    released = site.terminal.run(f"release {held}")
    assert released["ok"] and released["outcomes"][0]["ok"], released
    poll(lambda: site.printed() == printed + 1, "the released document at the printer")
    poll(lambda: remote.jobs.get_job(held).state is JobState.COMPLETED,
         "the job completed at the remote")
    job_cost = MONO_PAGE  # one mono page
    assert remote.jobs.get_job(held).charged_cost_minor == job_cost

    # Copies: the session may spend what the offline limit leaves, no more.
    room = OFFLINE_LIMIT_MINOR - job_cost
    opened = site.terminal.run("copy open")
    assert opened["ok"] and opened["copy"]["may_spend"]["minor"] == room, opened
    assert site.terminal.run("copy count 3 mono a4 simplex")["count"]["accepted"] is True
    past = site.terminal.run("copy count 4 mono a4 simplex")  # 7 pages: past the room
    assert not past["ok"] and past["error"] == "copy_limit_reached", past
    again = site.terminal.run("copy count 3 mono a4 simplex")
    copies_cost = 6 * COPY_PAGE
    assert again["count"]["accepted"] is True, again
    assert again["count"]["remaining"]["minor"] == room - copies_cost, again
    closed = site.terminal.run("copy close")
    assert closed["ok"] and closed["closed"]["charged"]["minor"] == copies_cost, closed
    assert site.terminal.run("logout")["ok"]

    # What is left of the limit does not pay for another page: denied, "Offline".
    assert room - copies_cost < job_cost
    before = job_ids(site)
    ipptool_print(site, "direct")
    [denied] = poll(lambda: job_ids(site, JobState.DENIED) - before, "the print denied")
    assert remote.jobs.get_job(denied).message.startswith("Offline:")
    charged = job_cost + copies_cost
    assert remote.ledger.get_account(credit.id).balance_minor == start - charged
    assert site.printed() == printed + 1

    assert remote.ledger.get_account(credit.id).reserved_minor == 0  # nothing left held
    assert central.ledger.get_account(credit.id).balance_minor == start  # central was down

    site.central.start()  # same data directory, same port: the proxies reach it again
    last_seq = remote.db.read(lambda conn: read_counter(conn, outbox.SEQ))
    assert last_seq is not None and last_seq >= 2  # the job's charge and the copies'
    poll(lambda: reconciled(site, admin, last_seq), "the remote's entries at central",
         step=0.2)
    assert central.ledger.get_account(credit.id).balance_minor == start - charged
    from_remote = [e for e in entries(central, credit) if e.id not in central_entries]
    assert {e.origin_site for e in from_remote} == {REMOTE}
    assert sorted(-e.amount.minor for e in from_remote) == sorted([job_cost, copies_cost])
    keys = [e.idempotency_key for e in entries(central, credit)]
    assert len(keys) == len(set(keys))
    assert {e.idempotency_key for e in from_remote} == {
        e.idempotency_key for e in entries(remote, credit) if e.origin_site == REMOTE}
    site.converged()
    poll(lambda: site.remote.ready()["offline"] is False, "the remote online", step=0.1)
    assert remote.ledger.get_account(credit.id).balance_minor == start - charged

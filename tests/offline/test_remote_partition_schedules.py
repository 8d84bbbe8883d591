"""Random partition schedules over a site with a remote (``tests/offline/remote_schedules.py``):
central, an enrolled remote, an agent, a terminal and a virtual printer, every path
through a loopback proxy; each schedule prints, releases and copies at the terminal, tops
up at central, cuts the site's WAN or the remote's pull, stops central, SIGKILLs the
remote and the agent at random, heals, and checks that nothing acknowledged was lost,
nothing charged twice, central's balances are their entries' sum and the remote has
converged to central.

CI runs a few fixed seeds on one set of processes; ``PRINTWARDEN_REMOTE_CHAOS_SEED=N``
runs that seed alone; ``benchmarks/chaos.py --remote`` runs many.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.ipp.server.ipptool_support import IPPTOOL
from tests.offline.remote_schedules import (
    RemoteRig,
    make_remote_schedule,
    remote_rig,
    run_remote_schedule,
)

pytestmark = pytest.mark.skipif(IPPTOOL is None, reason="ipptool (cups-ipp-utils) is needed")

STEPS = int(os.environ.get("PRINTWARDEN_CHAOS_STEPS") or 10)
SEEDS = ([int(os.environ["PRINTWARDEN_REMOTE_CHAOS_SEED"])]
         if os.environ.get("PRINTWARDEN_REMOTE_CHAOS_SEED") else [1, 2, 3])


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteRig]:
    yield from remote_rig(tmp_path_factory.mktemp("remote-chaos"))


def test_a_seed_draws_the_same_remote_schedule_and_every_kind_of_step_comes_up() -> None:
    assert make_remote_schedule(7, 30) == make_remote_schedule(7, 30)
    assert make_remote_schedule(7, 30) != make_remote_schedule(8, 30)
    kinds = {step.kind for seed in range(1, 40) for step in make_remote_schedule(seed, 10)}
    assert {"print", "release", "copy", "top-up", "cut-wan", "cut-sync", "restore",
            "stop-central", "start-central", "kill-remote", "kill-agent"} <= kinds


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_schedule_at_a_site_with_a_remote_loses_nothing_and_converges(
        rig: RemoteRig, seed: int) -> None:
    outcome = run_remote_schedule(rig, seed, STEPS)
    assert outcome.lost == outcome.double_charges == outcome.balance_mismatches == 0
    assert outcome.acknowledged > 0 or not any(s.kind == "print" for s in outcome.steps)

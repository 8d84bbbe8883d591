"""Random partition schedules over real processes (``tests/offline/schedules.py``): a
server process, an agent process behind a loopback proxy, a virtual printer; each
schedule prints, cuts, half-opens, drops answers, SIGKILLs the agent and stops the server
at random, heals, and checks that nothing acknowledged was lost, nothing charged twice,
every balance is its entries' sum and each completed document printed once.

CI runs a few fixed seeds on one set of processes; ``PRINTWARDEN_CHAOS_SEED=N`` runs that
seed alone (a failure's message starts with it and its steps), and
``benchmarks/chaos.py`` runs many.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.offline.schedules import Rig, make_schedule, run_schedule

STEPS = 10
SEEDS = ([int(os.environ["PRINTWARDEN_CHAOS_SEED"])]
         if os.environ.get("PRINTWARDEN_CHAOS_SEED") else [1, 2, 3])


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    made = Rig(tmp_path_factory.mktemp("chaos"))
    try:
        yield made
    finally:
        made.close()


def test_a_seed_draws_the_same_schedule_and_another_seed_another() -> None:
    assert make_schedule(7, 30) == make_schedule(7, 30)
    assert make_schedule(7, 30) != make_schedule(8, 30)
    assert len(make_schedule(7, 30)) == 30


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_schedule_loses_nothing_and_charges_once(rig: Rig, seed: int) -> None:
    outcome = run_schedule(rig, seed, STEPS)
    assert outcome.lost == outcome.double_charges == outcome.balance_mismatches == 0

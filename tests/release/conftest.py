"""A real SNMP agent per test, serving a printer the test drives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.snmp_agent import SnmpAgent, SnmpPrinter, running_agent


@pytest.fixture
def agent() -> Iterator[SnmpAgent]:
    with running_agent() as started:
        yield started


@pytest.fixture
def printer(agent: SnmpAgent) -> SnmpPrinter:
    return SnmpPrinter(agent)

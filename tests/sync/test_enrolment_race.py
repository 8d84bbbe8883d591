"""One enrolment code, many remotes racing with it: exactly one enrols (SQLite and
PostgreSQL: the claim is a conditional UPDATE)."""

from __future__ import annotations

import threading

from printwarden.container import ServerContainer
from printwarden.core.errors import AuthenticationFailed


def test_two_remotes_racing_with_one_code_enrol_exactly_once(server: ServerContainer) -> None:
    _, code = server.remotes.create("site-r", actor="t")
    barrier = threading.Barrier(6)
    won: list[str] = []
    refused: list[str] = []

    def enrol() -> None:
        barrier.wait()
        try:
            won.append(server.remotes.enrol(code, source="racer")[1])
        except AuthenticationFailed as exc:
            refused.append(exc.message)

    threads = [threading.Thread(target=enrol) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(refused) == 5
    assert server.remotes.principal_for_token(won[0]).name == "site-r"


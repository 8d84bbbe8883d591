"""The ordered server list of failing-over clients: parsing, the order of attempts, the
return to the preferred server (a clock given by the test: no waiting)."""

from __future__ import annotations

import pytest

from printwarden.core.server_list import NoServerAnswers, ServerList, parse_server_urls

A, B, C = "http://a:8631", "https://b", "http://c"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_urls_are_parsed_in_order_from_repeats_and_commas() -> None:
    assert parse_server_urls(f"{A}/, {B}") == [A, B]
    assert parse_server_urls([A, f"{B},{C}", A]) == [A, B, C]  # a repeat is dropped
    assert parse_server_urls(A) == [A]


@pytest.mark.parametrize("bad", ["", " , ", "ftp://x", "http://", "a.example.org",
                                 "http:/x", "https:///"])
def test_anything_but_http_urls_is_refused_with_what(bad: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        parse_server_urls(bad)


def test_attempts_start_at_the_server_in_use_and_wrap() -> None:
    servers = ServerList([A, B, C])
    assert servers.attempts() == [0, 1, 2] and servers.on_preferred
    servers.use(2)
    assert servers.attempts() == [2, 0, 1] and servers.current_url == C


def test_the_first_answer_wins_and_becomes_the_server_in_use() -> None:
    servers = ServerList([A, B, C])
    asked: list[str] = []

    def send(url: str) -> int:
        asked.append(url)
        if url == A:
            raise ConnectionError("refused")
        return 503 if url == B else 200

    status = servers.first_answer(send, lambda s: f"HTTP {s}" if s >= 500 else None,
                                  (ConnectionError,))
    assert status == 200 and asked == [A, B, C] and servers.current_url == C
    with pytest.raises(NoServerAnswers, match=r"http://a:8631: ConnectionError refused"):
        servers.first_answer(lambda url: send(A), lambda s: None, (ConnectionError,))
    assert servers.current_url == C  # nothing answered: nothing changes
    def broken(url: str) -> int:
        raise KeyError(url)

    with pytest.raises(KeyError):  # anything not transient is not a server's failure
        servers.first_answer(broken, lambda s: None, (ConnectionError,))


def test_the_preferred_server_is_probed_every_recheck_and_taken_back_when_healthy() -> None:
    clock = Clock()
    servers = ServerList([A, B], recheck_seconds=10, clock=clock)
    probes: list[str] = []
    healthy = {A: False, B: True}

    def probe(url: str) -> bool:
        probes.append(url)
        return healthy[url]

    assert servers.try_return(probe) and probes == []  # on the preferred: no probe
    servers.use(1)
    clock.now += 9.9
    assert not servers.try_return(probe) and probes == []  # not due yet
    clock.now += 0.1
    assert not servers.try_return(probe) and probes == [A]  # due, A still down
    clock.now += 5
    assert not servers.try_return(probe) and probes == [A]  # the next one in 10 s
    healthy[A] = True
    clock.now += 5
    assert servers.try_return(probe) and servers.current_url == A


def test_check_health_takes_the_first_healthy_in_preference_order() -> None:
    servers = ServerList([A, B, C])
    servers.use(2)
    assert servers.check_health(lambda url: url != A) and servers.current_url == B
    assert not servers.check_health(lambda url: False) and servers.current_url == B

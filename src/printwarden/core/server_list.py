"""An ordered list of printwarden servers, preferred first, and the one in use.

A client (the reference terminal, the pop-up) is configured with several server URLs
that serve the same database: the first is the preferred one, the others stand in when
it cannot be reached. ``ServerList`` keeps which one is in use and decides the order of
attempts: the one in use first, then the others in configured order. It does no I/O:
the caller gives it ``healthy(url)`` (a ``GET /readyz`` that answers 200), so the
terminal's synchronous HTTP client and the pop-up's thread use the same rules:

- a request that fails on a connection error moves on to the next server, and the first
  that answers becomes the one in use;
- ``check_health`` probes in preference order and takes the first healthy server;
- while the list is off its preferred server, ``return_due`` says every
  ``recheck_seconds`` that it is time to probe the preferred one again, and
  ``try_return`` goes back to it as soon as it is healthy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["NoServerAnswers", "ServerList", "failed_status", "parse_server_urls"]

T = TypeVar("T")

#: How often a list off its preferred server probes it again.
DEFAULT_RECHECK_SECONDS = 10.0


def parse_server_urls(values: str | Sequence[str]) -> list[str]:
    """URLs from one value or several, each of which may hold several separated by commas
    or spaces (``--server A,B`` and ``--server A --server B`` alike); duplicates dropped,
    order kept. ValueError, saying which, for anything that is not an http(s) URL."""
    raw = [values] if isinstance(values, str) else list(values)
    urls: list[str] = []
    for value in raw:
        for part in value.replace(",", " ").split():
            scheme, _, rest = part.partition("://")
            if scheme not in ("http", "https") or not rest.strip("/"):
                raise ValueError(f"{part!r} is not an http:// or https:// URL")
            url = part.rstrip("/")
            if url not in urls:
                urls.append(url)
    if not urls:
        raise ValueError("at least one server URL is needed")
    return urls


def failed_status(status: int) -> str | None:
    """An HTTP status that is the server's failure (5xx: the next server may do better)
    said in words; None for an answer (a 4xx too: another server would say the same)."""
    return f"HTTP {status}" if status >= 500 else None


class NoServerAnswers(Exception):
    """Every server failed a request; the message names each and how."""


class ServerList:
    """Which of the configured servers is in use; ``urls[0]`` is the preferred one."""

    def __init__(self, urls: str | Sequence[str], *,
                 recheck_seconds: float = DEFAULT_RECHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.urls: tuple[str, ...] = tuple(parse_server_urls(urls))
        self.current = 0
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        self._left_at = 0.0  #: when the list last left or probed its preferred server

    @property
    def current_url(self) -> str:
        return self.urls[self.current]

    @property
    def preferred_url(self) -> str:
        return self.urls[0]

    @property
    def on_preferred(self) -> bool:
        return self.current == 0

    def attempts(self) -> list[int]:
        """Indexes to try a request on: the one in use, then the rest in order."""
        count = len(self.urls)
        return [(self.current + step) % count for step in range(count)]

    def use(self, index: int) -> None:
        """``index`` answered: it is the one in use from now on."""
        if self.current == 0 and index != 0:
            self._left_at = self._clock()
        self.current = index

    def return_due(self) -> bool:
        """Off the preferred server for ``recheck_seconds`` since leaving or the last
        probe of it."""
        return not self.on_preferred and self._clock() - self._left_at >= self.recheck_seconds

    def try_return(self, healthy: Callable[[str], bool]) -> bool:
        """If a return is due, probe the preferred server and go back to it when healthy;
        True when the list is on its preferred server afterwards."""
        if self.return_due():
            self._left_at = self._clock()
            if healthy(self.preferred_url):
                self.current = 0
        return self.on_preferred

    def check_health(self, healthy: Callable[[str], bool]) -> bool:
        """Probe in preference order and use the first healthy server; False (and no
        change) when none is."""
        for index, url in enumerate(self.urls):
            if healthy(url):
                self.use(index)
                return True
        return False

    def first_answer(self, send: Callable[[str], T], failure: Callable[[T], str | None],
                     transient: tuple[type[Exception], ...]) -> T:
        """``send(url)`` to the servers in turn from the one in use, until one answers:
        an exception in ``transient`` or an answer ``failure`` names (a 5xx) moves on.
        The server that answered is the one in use from then on. NoServerAnswers when
        none did."""
        errors: list[str] = []
        for index in self.attempts():
            url = self.urls[index]
            try:
                answer = send(url)
            except transient as exc:
                errors.append(f"{url}: {exc.__class__.__name__} {exc}")
                continue
            why = failure(answer)
            if why is not None:
                errors.append(f"{url}: {why}")
                continue
            self.use(index)
            return answer
        raise NoServerAnswers("; ".join(errors))

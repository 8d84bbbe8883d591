"""The pop-up channel's failover against the live server: two loopback proxies in front of
it stand in for a preferred and a fallback server of one database. A cut preferred path
moves the channel to the other at once (no back-off wait), notices keep arriving without
a gap or a repeat, and once the preferred path answers its health check again the
channel goes back to it; every server down is met by the back-off."""

from __future__ import annotations

import queue
import random
from collections.abc import Iterator

import pytest

from printwarden.popup.channel import RETURNED, Channel, Event
from tests.popup.world import WAIT, PopupWorld
from tests.support.tcp_proxy import TcpProxy

RECHECK_SECONDS = 0.2


def _next(events: queue.Queue[Event], *kinds: str) -> Event:
    while True:
        event = events.get(timeout=WAIT)
        if event.kind in kinds:
            return event


@pytest.fixture
def paths(popup: PopupWorld) -> Iterator[tuple[TcpProxy, TcpProxy]]:
    with TcpProxy("127.0.0.1", popup.live.port) as a, \
            TcpProxy("127.0.0.1", popup.live.port) as b:
        yield a, b


def test_the_channel_fails_over_and_returns_to_the_preferred_server(
        popup: PopupWorld, paths: tuple[TcpProxy, TcpProxy]) -> None:
    a, b = paths
    user_id, token = popup.new_user()
    events: queue.Queue[Event] = queue.Queue()
    channel = Channel([a.url(), b.url()], token, None, events, rng=random.Random(1),
                      recheck_seconds=RECHECK_SECONDS)
    channel.start()
    try:
        assert _next(events, "connected").detail["server"] == a.url()
        first = popup.notice(user_id, "on A")
        assert _next(events, "notice").notice.id == first  # type: ignore[union-attr]

        a.cut()
        down = _next(events, "disconnected")
        assert down.detail["retry_seconds"] == 0.0  # the next server at once
        assert _next(events, "connected").detail["server"] == b.url()
        on_b = popup.notice(user_id, "on B")
        assert _next(events, "notice").notice.id == on_b  # type: ignore[union-attr]

        a.restore()
        back = _next(events, "disconnected")
        assert back.detail["reason"] == RETURNED
        assert _next(events, "connected").detail["server"] == a.url()
        assert channel.servers.on_preferred
        again = popup.notice(user_id, "on A again")
        shown = _next(events, "notice").notice
        assert shown is not None and shown.id == again  # nothing repeated, nothing missed
        assert channel.cursor == again

        for proxy in paths:
            proxy.cut()
        _next(events, "disconnected")  # A's connection ended: B at once, refused too
        waited = _next(events, "disconnected")
        assert 0 < waited.detail["retry_seconds"] <= 1.0  # every server failed: back-off
        b.restore()
        assert _next(events, "connected").detail["server"] == b.url()  # A is still cut
    finally:
        channel.stop()

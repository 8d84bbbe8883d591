"""The client's channel thread against the live server: events in, answers out, a restart
of the server met by reconnecting with the cursor, a revoked token ending the channel."""

from __future__ import annotations

import queue
import random
from collections.abc import Iterator

import pytest

from printwarden.popup.channel import Channel, Event
from tests.popup.world import WAIT, PopupWorld


def _next(events: queue.Queue[Event], kind: str) -> Event:
    """The next event of ``kind``, skipping connection news and other kinds' events."""
    while True:
        event = events.get(timeout=WAIT)
        if event.kind == kind:
            return event


@pytest.fixture
def events() -> queue.Queue[Event]:
    return queue.Queue()


@pytest.fixture
def user(popup: PopupWorld) -> tuple[str, str]:
    return popup.new_user()


@pytest.fixture
def channel(popup: PopupWorld, user: tuple[str, str],
            events: queue.Queue[Event]) -> Iterator[Channel]:
    running = Channel(popup.url, user[1], None, events, rng=random.Random(1))
    running.start()
    yield running
    running.stop()


def test_questions_arrive_and_answers_reach_the_server(
        popup: PopupWorld, user: tuple[str, str], channel: Channel,
        events: queue.Queue[Event]) -> None:
    hello = _next(events, "connected")
    assert hello.detail["user_id"] == user[0] and channel.cursor == 0
    question = popup.ask(user[0])
    shown = _next(events, "question").question
    assert shown is not None and shown.id == question.id and shown.default == "cancel"
    channel.answer(question.id, "print")
    assert _next(events, "answered").detail["answer"] == "print"
    channel.answer(question.id, "print")
    assert _next(events, "error").detail["code"] == "already-answered"
    principal = popup.server.principal_for_user(user[0])
    assert principal is not None
    assert popup.server.questions.get(principal, question.id).answer == "print"


def test_a_server_restart_is_met_by_reconnecting_with_the_cursor(
        popup: PopupWorld, user: tuple[str, str], channel: Channel,
        events: queue.Queue[Event]) -> None:
    _next(events, "connected")
    first = popup.notice(user[0], "first")
    assert _next(events, "notice").notice.id == first  # type: ignore[union-attr]
    popup.live.stop()
    try:
        down = _next(events, "disconnected")
        assert 0 < down.detail["retry_seconds"] <= 1.0  # the first retry: base back-off
        missed = popup.notice(user[0], "posted while the server was down")
    finally:
        popup.live.start()
    _next(events, "connected")
    again = _next(events, "notice").notice
    assert again is not None and again.id == missed and channel.cursor == missed
    popup.notice(user[0], "after")
    assert _next(events, "notice").notice.text == "after"  # type: ignore[union-attr]


def test_a_revoked_token_ends_the_channel_for_a_new_sign_in(
        popup: PopupWorld, user: tuple[str, str], channel: Channel,
        events: queue.Queue[Event]) -> None:
    _next(events, "connected")
    (record,) = popup.server.accounts.list_api_tokens(user[0])
    popup.server.accounts.revoke_api_token(record.id, actor="test")
    popup.server.questions.bell.ring(user[0])
    gone = _next(events, "signed-out")
    assert "revoked" in gone.detail["reason"]

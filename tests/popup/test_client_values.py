"""The pop-up client's pure parts: back-off, message parsing, money, the kept sign-in."""

from __future__ import annotations

import json
import random
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from printwarden.popup import identity, protocol
from printwarden.popup.channel import ws_url
from printwarden.popup.windows import countdown_text


def test_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (3, 8.0), (6, 60.0), (60, 60.0),
                             (10**9, 60.0), (-5, 1.0)]:
        for _ in range(50):
            delay = protocol.backoff_delay(attempt, rng)
            assert ceiling / 2 <= delay <= ceiling, (attempt, delay)
    spread = {round(protocol.backoff_delay(4, random.Random(seed)), 3) for seed in range(20)}
    assert len(spread) > 10  # pop-ups do not all come back at the same instant


@pytest.mark.parametrize("frame", ["", "nope", "[]", "{}", '{"type": 3}', b"\xff\xfe"])
def test_unreadable_server_messages_are_protocol_errors(frame: str | bytes) -> None:
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(frame)


def test_a_question_is_read_with_its_deadline_options_and_default() -> None:
    body = {"id": "q1", "job_id": "j1", "kind": "confirm", "text": "Print?", "title": "t",
            "options": [{"key": "print", "label": "Print", "cost_minor": 15},
                        {"key": "cancel", "label": "Cancel", "cost_minor": None}],
            "default": "cancel", "deadline": "2026-12-02T10:00:00Z", "currency": "EUR",
            "cost_minor": 15, "balance_minor": True}
    question = protocol.question_of(body)
    assert question.deadline == datetime(2026, 12, 2, 10, tzinfo=UTC)
    assert question.default_label == "Cancel" and question.keys_index("cancel") == 1
    assert question.balance_minor is None  # a boolean is no amount
    for broken in ({**body, "options": None}, {**body, "deadline": "soon"},
                   {k: v for k, v in body.items() if k != "id"}):
        with pytest.raises(protocol.ProtocolError):
            protocol.question_of(broken)


def test_amounts_countdowns_and_urls_read_as_a_person_expects() -> None:
    assert protocol.money(1234, "EUR") == "12.34 EUR"
    assert protocol.money(-5, "EUR") == "-0.05 EUR" and protocol.money(None, "EUR") == ""
    assert countdown_text(125, "Cancel") == "2:05 left; then 'Cancel' applies."
    assert "applies" in countdown_text(0, "Keep")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert protocol.remaining_seconds(now + timedelta(seconds=30), now, 10) == 20
    assert protocol.remaining_seconds(now - timedelta(hours=1), now) == 0
    assert ws_url("https://print.example.org/", 7) == (
        "wss://print.example.org/api/v1/popup/ws?after=7")
    assert ws_url("http://127.0.0.1:8000", None) == "ws://127.0.0.1:8000/api/v1/popup/ws"


def _me(**changes: object) -> identity.Identity:
    values: dict[str, object] = {"server": "http://s", "token": "pwu_x", "user_id": "u",
                                 "username": "alice", "os_user": identity.os_user()}
    values.update(changes)
    return identity.Identity(**values)  # type: ignore[arg-type]


def test_the_kept_sign_in_is_private_and_bound_to_this_os_user(tmp_path: Path) -> None:
    where = tmp_path / "cfg"
    identity.save(where, _me())
    kept = where / identity.FILE_NAME
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    assert identity.load(where, "http://s/") == _me()
    assert identity.load(where, "http://other") is None
    identity.save(where, identity.with_cursor(_me(), 12))
    assert identity.load(where, "http://s") == _me(notice_cursor=12)
    assert identity.with_cursor(_me(notice_cursor=12), 3).notice_cursor == 12  # never back
    identity.save(where, _me(os_user="someone-else"))
    with pytest.raises(identity.IdentityError, match="someone-else"):
        identity.load(where, "http://s")
    kept.write_text("{not json")
    with pytest.raises(identity.IdentityError, match="unreadable"):
        identity.load(where, "http://s")
    kept.write_text(json.dumps({"server": "http://s"}))
    with pytest.raises(identity.IdentityError):
        identity.load(where, "http://s")
    identity.forget(where)
    identity.forget(where)  # twice is fine
    assert identity.load(where, "http://s") is None


def test_the_default_config_dir_is_per_os_user(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert identity.default_config_dir() == tmp_path / "printwarden-popup"

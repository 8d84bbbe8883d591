"""The pop-up channel over a real socket: uvicorn on loopback, a real WebSocket client."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from printwarden.core.principal import Principal
from printwarden.server.scheduler import Scheduler
from tests.popup.world import PopupWorld, receive, receive_type, send


def _user(popup: PopupWorld, user_id: str) -> Principal:
    principal = popup.server.principal_for_user(user_id)
    assert principal is not None
    return principal


def test_open_questions_are_pushed_on_connect_and_as_they_are_asked(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    before = popup.ask(user_id)
    with popup.ws(token) as ws:
        hello = receive_type(ws, "hello")
        assert hello["user_id"] == user_id and hello["notice_cursor"] == 0
        pushed = receive_type(ws, "question")["question"]
        assert pushed["id"] == before.id and pushed["default"] == "cancel"
        assert pushed["cost_minor"] == 15 and pushed["balance_minor"] == 1000
        assert [o["key"] for o in pushed["options"]] == ["print", "cancel"]
        assert datetime.fromisoformat(pushed["deadline"]) == before.deadline
        later = popup.ask(user_id, text="Which project pays?")
        assert receive_type(ws, "question")["question"]["id"] == later.id


def test_an_answer_reaches_the_service_once_and_a_replay_is_refused(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    question = popup.ask(user_id)
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        receive_type(ws, "question")
        answer = {"type": "answer", "question_id": question.id, "choice": "print"}
        send(ws, answer)
        done = receive_type(ws, "answered")
        assert done == {"type": "answered", "question_id": question.id, "answer": "print",
                        "state": "answered"}
        stored = popup.server.questions.get(_user(popup, user_id), question.id)
        assert (stored.state, stored.answer, stored.answered_by) == ("answered", "print",
                                                                     "user")
        send(ws, answer)  # a replay
        replay = receive_type(ws, "error")
        assert replay["code"] == "already-answered" and replay["question_id"] == question.id
        send(ws, {**answer, "choice": "cancel"})
        assert receive_type(ws, "error")["code"] == "already-answered"
    assert popup.server.questions.get(_user(popup, user_id), question.id).answer == "print"


def test_someone_elses_question_and_an_answer_not_offered_are_refused(
        popup: PopupWorld) -> None:
    alice_id, alice = popup.new_user()
    _, mallory = popup.new_user()
    question = popup.ask(alice_id)
    with popup.ws(mallory) as ws:
        receive_type(ws, "hello")
        send(ws, {"type": "answer", "question_id": question.id, "choice": "print"})
        theirs = receive_type(ws, "error")
        send(ws, {"type": "answer", "question_id": "01NOSUCHQUESTION0000000000",
                  "choice": "print"})
        missing = receive_type(ws, "error")
        # the same answer whether it exists or not: no probing for question ids
        assert theirs["code"] == missing["code"] == "not-yours"
        assert theirs["message"] == missing["message"]
    with popup.ws(alice) as ws:
        receive_type(ws, "hello")
        receive_type(ws, "question")
        for choice in ("delete-everything", "PRINT", "print ", "\u0665", "account:x" * 30):
            send(ws, {"type": "answer", "question_id": question.id, "choice": choice})
            assert receive_type(ws, "error")["code"] in {"not-an-option", "malformed"}
    stored = popup.server.questions.get(_user(popup, alice_id), question.id)
    assert stored.state == "open" and stored.answer is None


@pytest.mark.parametrize("frame", [
    "not json", "", "[]", "null", "42", '{"no": "type"}', '{"type": "launch"}',
    '{"type": "answer"}', '{"type": "answer", "question_id": 5, "choice": "print"}',
    '{"type": "answer", "question_id": "x", "choice": ["print"]}', b"\x00\xffbinary",
    '{"type": "answer", "question_id": "' + "9" * 3000 + '", "choice": "print"}',
])
def test_garbage_frames_get_an_error_and_the_channel_goes_on(popup: PopupWorld,
                                                            frame: str | bytes) -> None:
    _, token = popup.new_user()
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        ws.send(frame)
        error = receive_type(ws, "error")
        assert error["code"] in {"malformed", "unknown-type"} and error["message"]
        send(ws, {"type": "ping", "data": "still there?"})
        assert receive_type(ws, "pong") == {"type": "pong", "data": "still there?"}


def test_a_huge_frame_closes_the_socket_1009_and_the_server_serves_on(
        popup: PopupWorld) -> None:
    _, token = popup.new_user()
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        ws.send(json.dumps({"type": "answer", "question_id": "x", "choice": "a" * 500_000}))
        assert receive_type(ws, "error")["code"] == "too-large"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    with popup.ws(token) as ws:
        assert receive_type(ws, "hello")["user_id"]


def test_notices_follow_the_cursor_so_a_reconnect_misses_none_and_repeats_none(
        popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    first = popup.notice(user_id, "Job thesis.pdf printed", kind="completed")
    with popup.ws(token) as ws:  # a first connect starts after what is there
        hello = receive_type(ws, "hello")
        assert hello["notice_cursor"] == first
        second = popup.notice(user_id, "Your balance is low: 0.40 EUR", kind="low-balance")
        pushed = receive_type(ws, "notice")["notice"]
        assert (pushed["id"], pushed["kind"]) == (second, "low-balance")
    third = popup.notice(user_id, "Job poster.pdf was denied", kind="denied")  # offline
    fourth = popup.notice(user_id, "Job notes.pdf printed", kind="completed")
    with popup.ws(token, after=second) as ws:
        assert receive_type(ws, "hello")["notice_cursor"] == second
        got = [receive_type(ws, "notice")["notice"]["id"] for _ in range(2)]
        assert got == [third, fourth]
        send(ws, {"type": "ping"})
        assert receive_type(ws, "pong")["type"] == "pong"  # nothing repeated before it
    with popup.ws(token, after=0) as ws:
        receive_type(ws, "hello")
        assert [receive_type(ws, "notice")["notice"]["id"] for _ in range(4)] == [
            first, second, third, fourth]


def test_more_notices_than_one_read_all_arrive_in_order(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    posted = popup.server.db.write(lambda conn: [
        popup.server.notices.post_in(conn, user_id=user_id, kind="info", text=f"n{n}")
        for n in range(230)])
    with popup.ws(token, after=0) as ws:
        receive_type(ws, "hello")
        assert [receive_type(ws, "notice")["notice"]["id"] for _ in posted] == posted


@pytest.mark.parametrize("after", ["-1", "\u0665", "\uff15", "1e3", "9" * 40, "abc"])
def test_a_malformed_cursor_closes_4400_with_a_reason(popup: PopupWorld, after: str) -> None:
    _, token = popup.new_user()
    with popup.ws(token, after=after) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    assert "after" in closed.value.rcvd.reason


def test_a_question_settled_elsewhere_is_closed_on_the_socket(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    by_web = popup.ask(user_id)
    withdrawn = popup.ask(user_id)
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        assert {receive_type(ws, "question")["question"]["id"] for _ in range(2)} == {
            by_web.id, withdrawn.id}
        popup.server.questions.answer(_user(popup, user_id), by_web.id, "print")
        closed = receive_type(ws, "closed")
        assert closed["question_id"] == by_web.id and closed["answer"] == "print"
        popup.server.db.write(
            lambda conn: popup.server.questions.withdraw_in(conn, withdrawn.job_id))
        closed = receive_type(ws, "closed")
        assert (closed["question_id"], closed["state"]) == (withdrawn.id, "withdrawn")


def test_a_popup_that_disconnects_mid_question_gets_the_default(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    question = popup.ask(user_id, deadline_in=-1)  # already due at the next sweep
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        assert receive_type(ws, "question")["question"]["id"] == question.id
    assert popup.server.questions.expire_due() >= 1
    stored = popup.server.questions.get(_user(popup, user_id), question.id)
    assert (stored.state, stored.answer, stored.answered_by) == ("defaulted", "cancel",
                                                                 "timeout")
    with popup.ws(token) as ws:  # nothing left to ask
        receive_type(ws, "hello")
        send(ws, {"type": "ping"})
        assert receive_type(ws, "pong")["type"] == "pong"


def test_the_schedulers_question_sweep_applies_the_default_and_a_popup_is_told(
        popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    question = popup.ask(user_id, deadline_in=-1)
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        receive_type(ws, "question")
        assert Scheduler(popup.server, interval_seconds=60).settle_questions() >= 1
        closed = receive_type(ws, "closed")
    assert closed == {"type": "closed", "question_id": question.id, "state": "defaulted",
                      "answer": "cancel", "answered_by": "timeout"}


def test_a_revoked_token_closes_the_socket_with_policy_violation(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    with popup.ws(token) as ws:
        receive_type(ws, "hello")
        (record,) = popup.server.accounts.list_api_tokens(user_id)
        popup.server.accounts.revoke_api_token(record.id, actor="test")
        popup.server.questions.bell.ring(user_id)  # or the next poll finds it
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    for bad in ("pwu_not-a-token", "pwa_agent-looking", "", "pwu_" + "\u0665" * 50, token):
        with popup.ws(None, query_token=bad) as ws, pytest.raises(ConnectionClosed) as refused:
            ws.recv(timeout=10)
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 1008


def test_two_popups_answering_at_once_settle_the_question_once(popup: PopupWorld) -> None:
    user_id, token = popup.new_user()
    question = popup.ask(user_id)
    results: list[dict[str, Any]] = []
    gate = threading.Barrier(2)

    def answer(choice: str) -> None:
        with popup.ws(token) as ws:
            receive_type(ws, "hello")
            receive_type(ws, "question")
            gate.wait(timeout=10)
            send(ws, {"type": "answer", "question_id": question.id, "choice": choice})
            while (message := receive(ws))["type"] == "closed":
                pass
            results.append(message)

    threads = [threading.Thread(target=answer, args=(c,)) for c in ("print", "cancel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(m["type"] for m in results) == ["answered", "error"]
    (won,) = [m for m in results if m["type"] == "answered"]
    (lost,) = [m for m in results if m["type"] == "error"]
    assert lost["code"] == "already-answered"
    stored = popup.server.questions.get(_user(popup, user_id), question.id)
    assert stored.answer == won["answer"]

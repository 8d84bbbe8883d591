"""The local job model: transitions, IPP mapping, completion reports. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from printwarden.agent.forwarding import ForwardResult
from printwarden.agent.model import (
    TRANSFORMS,
    WAITING_FOR_SERVER,
    JobMeta,
    LocalJob,
    LocalState,
    UnknownTransform,
    can_move,
    completion_body,
    needs_completion,
    parse_transforms,
    released_state,
)
from printwarden.agent.server_link.bodies import authorize_body, printed_counts
from printwarden.jobs.messages import TRANSFORMS as SERVER_TRANSFORMS

L = LocalState
NOW = datetime(2026, 11, 27, tzinfo=UTC)
JOB = LocalJob(local_id="01JOB", queue="hall", meta=JobMeta(username="alice", copies=2),
               spool_name="01JOB.doc", size_bytes=10, created_at=NOW, updated_at=NOW)


def test_a_local_job_ends_exactly_when_no_move_is_left_and_ipp_says_so() -> None:
    for state in L:
        job = replace(JOB, state=state)
        moves = [target for target in L if can_move(state, target)]
        assert job.terminal == (moves == []), state
        ipp = job.ipp_state
        if job.terminal:
            assert ipp in (7, 8, 9), state  # canceled, aborted, completed
        else:
            assert ipp in (3, 4, 5, 6, 9), state  # forwarded is completed for IPP


def test_a_job_being_sent_ends_printed_failed_cancelled_or_expired_and_never_goes_back(
) -> None:
    assert {state for state in L if can_move(L.FORWARDING, state)} == {
        L.FORWARDED, L.FAILED, L.CANCELLED, L.EXPIRED}
    assert not can_move(L.FORWARDING, L.AUTHORIZED) and not can_move(L.FORWARDED, L.CANCELLED)


def test_a_job_waiting_for_its_printer_or_for_a_server_says_so_over_ipp() -> None:
    waiting_printer = replace(JOB, state=L.FORWARDING, device_wait_since=JOB.created_at)
    stopping = replace(waiting_printer, cancel_requested=True)
    kept = replace(JOB, state=L.ANALYSED, state_reason=WAITING_FOR_SERVER)
    assert (waiting_printer.ipp_state, waiting_printer.ipp_state_reasons) == (
        6, ("printer-stopped",))
    assert stopping.ipp_state_reasons == ("processing-to-stop-point",)
    assert (kept.ipp_state, kept.ipp_state_reasons) == (4, ("job-held-for-authorization",))
    assert replace(JOB, state=L.ANALYSED).ipp_state == 3  # analysed, on its way


@pytest.mark.parametrize(("decision", "analysis", "expected"), [
    ("allow", {}, L.AUTHORIZED), ("hold", {}, L.AUTHORIZED), ("deny", {}, L.DENIED),
    (None, {"pages": 1}, L.ANALYSED), (None, {}, L.SPOOLED)])
def test_a_released_job_resumes_where_the_server_left_it(
        decision: str | None, analysis: dict[str, int], expected: LocalState) -> None:
    held = replace(JOB, state=L.HELD, decision=decision, analysis=analysis)
    assert released_state(held) == expected


def test_completions_report_pages_per_copy_and_failures_charge_nothing() -> None:
    forwarded = replace(JOB, state=L.FORWARDED, server_job_id="S1", decision="allow",
                        pages_printed=3, copies_printed=2)
    failed = replace(forwarded, state=L.FAILED, pages_printed=None, copies_printed=0,
                     state_reason="printer: paper jam")

    assert completion_body(forwarded) == {"status": "completed", "reason": "",
                                          "pages_printed": 3, "copies_printed": 2}
    assert completion_body(failed)["pages_printed"] == 0
    assert completion_body(failed)["status"] == "failed"
    assert needs_completion(forwarded) and needs_completion(failed)
    assert not needs_completion(replace(failed, decision="deny"))
    assert not needs_completion(replace(failed, completion_sent=True))


def test_forwarded_page_counts_are_turned_into_pages_per_copy_and_copies() -> None:
    job = replace(JOB, pages=3)
    total = ForwardResult(ok=True, pages_printed=6, copies_printed=2, detail="")
    unknown = ForwardResult(ok=True, pages_printed=None, copies_printed=2, detail="")
    # the printer jammed on the second page of the second copy: 4 pages printed
    partial = ForwardResult(ok=False, pages_printed=4, copies_printed=2, detail="jam")
    odd = ForwardResult(ok=False, pages_printed=5, copies_printed=2, detail="jam")

    assert printed_counts(total, job) == (3, 2)
    assert printed_counts(unknown, job) == (None, 2)
    assert printed_counts(partial, job) == (2, 2)
    pages, copies = printed_counts(odd, job)
    assert (pages, copies) == (5, 1) and pages * copies == 5  # charged exactly, not 4


def test_the_authorize_body_uses_the_local_id_as_key_and_valid_keywords() -> None:
    odd = replace(JOB, meta=JobMeta(username="alice", sides="duplex", color_mode="grey",
                                    copies=0))

    body = authorize_body(odd)

    assert body["agent_job_key"] == "01JOB"
    assert (body["sides"], body["color_mode"], body["copies"]) == ("one-sided", "auto", 1)


#: "grayscale" in fullwidth letters (U+FF47...): looks the same, is not the same name.
FULLWIDTH = "".join(chr(ord(letter) + 0xFEE0) for letter in "grayscale")


def test_the_agent_applies_every_transform_the_server_may_force() -> None:
    assert TRANSFORMS == SERVER_TRANSFORMS


@pytest.mark.parametrize(("value", "parsed"), [
    (None, ()), ([], ()), (["duplex", "grayscale"], ("grayscale", "duplex")),
    (["grayscale", "grayscale"], ("grayscale",)), (("duplex",), ("duplex",)),
])
def test_transforms_are_kept_in_one_order_without_repeats(value: object,
                                                          parsed: tuple[str, ...]) -> None:
    assert parse_transforms(value) == parsed


@pytest.mark.parametrize(("value", "message"), [
    (["sepia"], "unknown transform 'sepia' (this agent applies grayscale, duplex)"),
    (["Grayscale"], "unknown transform 'Grayscale'"),
    ([FULLWIDTH], f"unknown transform '{FULLWIDTH}'"),
    (["grayscale\u0000"], "unknown transform 'grayscale\\x00'"),
    ([None], "unknown transform 'None'"),
    ([10**40], f"unknown transform '{10**40}'"),
    ("grayscale", "transforms must be a list of names"),
    ({"grayscale": True}, "transforms must be a list of names"),
    (["x" * 10_000], "unknown transform 'xxxxxxxx"),
])
def test_anything_but_a_list_of_known_names_is_refused_with_what_is_wrong(
        value: object, message: str) -> None:
    with pytest.raises(UnknownTransform) as raised:
        parse_transforms(value)
    assert str(raised.value).startswith(message)
    assert len(str(raised.value)) < 300

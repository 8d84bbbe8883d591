"""Operator operations of the printer model (RFC 8011, RFC 3380, PWG 5100.11/5100.22):
only operators may, and each does what it says."""

from __future__ import annotations

import asyncio

import pytest

from printwarden.ipp import (
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    integer,
    keyword,
    text,
    uri,
)
from printwarden.ipp.printer import OPERATOR_OPERATIONS, IppPrinter, NullSink, PrinterDescription
from printwarden.ipp.printer.job import JobState
from tests.ipp.server.model_support import Client, FakeTime, job_id, value, values

Op = Operation
S = StatusCode
P = DelimiterTag.PRINTER


def make(delay: float | None = 0.0) -> Client:
    return Client(IppPrinter(PrinterDescription("model"), NullSink(), processing_delay=delay,
                             clock=FakeTime().clock()))


def printer_value(client: Client, attribute_name: str) -> object:
    return value(asyncio.run(client(Op.GET_PRINTER_ATTRIBUTES)), P, attribute_name)


def printer_values(client: Client, attribute_name: str) -> tuple[object, ...]:
    return values(asyncio.run(client(Op.GET_PRINTER_ATTRIBUTES)), P, attribute_name)


@pytest.mark.parametrize("operation", sorted(OPERATOR_OPERATIONS))
def test_operator_operations_are_forbidden_to_everyone_else(operation: int) -> None:
    client = make()
    extra = [integer("job-id", 1)] if operation in (
        Op.RESUME_JOB, Op.PROMOTE_JOB, Op.SCHEDULE_JOB_AFTER) else []
    asyncio.run(client(Op.PRINT_JOB, document=b"x"))
    answer = asyncio.run(client(operation, *extra))
    assert answer.status_code == S.CLIENT_ERROR_FORBIDDEN
    spoofed = asyncio.run(client.as_("root")(operation, *extra))  # a name is not a role
    assert spoofed.status_code == S.CLIENT_ERROR_FORBIDDEN


def test_pause_keeps_jobs_waiting_and_resume_prints_them() -> None:
    client = make()
    operator = client.as_operator()
    assert asyncio.run(operator(Op.PAUSE_PRINTER)).status_code == S.SUCCESSFUL_OK
    assert printer_value(client, "printer-state") == 5
    assert "paused" in printer_values(client, "printer-state-reasons")
    waiting = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x")))
    jobs = client.printer.core.jobs
    assert jobs.get(waiting).state == JobState.PENDING
    assert asyncio.run(operator(Op.RESUME_PRINTER)).status_code == S.SUCCESSFUL_OK
    assert jobs.get(waiting).state == JobState.COMPLETED
    assert printer_value(client, "printer-state") == 3


def test_a_disabled_printer_refuses_jobs_until_enabled() -> None:
    client = make()
    operator = client.as_operator()
    asyncio.run(operator(Op.DISABLE_PRINTER))
    assert printer_value(client, "printer-is-accepting-jobs") is False
    refused = asyncio.run(client(Op.PRINT_JOB, document=b"x"))
    assert refused.status_code == S.SERVER_ERROR_NOT_ACCEPTING_JOBS
    asyncio.run(operator(Op.ENABLE_PRINTER))
    assert asyncio.run(client(Op.PRINT_JOB, document=b"x")).status_code == S.SUCCESSFUL_OK


def test_hold_new_jobs_holds_arrivals_and_release_held_new_jobs_prints_them() -> None:
    client = make()
    operator = client.as_operator()
    asyncio.run(operator(Op.HOLD_NEW_JOBS))
    assert "hold-new-jobs" in printer_values(client, "printer-state-reasons")
    held = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x")))
    job = client.printer.core.jobs.get(held)
    assert job.state == JobState.PENDING_HELD and job.reasons == ("job-held-on-create",)
    asyncio.run(operator(Op.RELEASE_HELD_NEW_JOBS))
    assert job.state == JobState.COMPLETED


def test_shutdown_stops_everything_and_startup_or_restart_bring_it_back() -> None:
    client = make()
    operator = client.as_operator()
    asyncio.run(operator(Op.SHUTDOWN_PRINTER))
    assert printer_value(client, "printer-is-accepting-jobs") is False
    assert "shutdown" in printer_values(client, "printer-state-reasons")
    assert asyncio.run(client(Op.PRINT_JOB, document=b"x")).status_code == \
        S.SERVER_ERROR_NOT_ACCEPTING_JOBS
    asyncio.run(operator(Op.STARTUP_PRINTER))
    assert printer_value(client, "printer-is-accepting-jobs") is True
    asyncio.run(operator(Op.PAUSE_PRINTER))
    asyncio.run(operator(Op.DISABLE_PRINTER))
    asyncio.run(operator(Op.RESTART_PRINTER))
    assert printer_value(client, "printer-state") == 3
    assert printer_value(client, "printer-is-accepting-jobs") is True


def test_purge_jobs_cancels_what_waits_and_forgets_what_ended() -> None:
    client = make(delay=None)
    operator = client.as_operator()
    waiting = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x")))
    asyncio.run(client(Op.CANCEL_JOB, integer("job-id", waiting)))
    other = job_id(asyncio.run(client.as_("bob")(Op.PRINT_JOB, document=b"x")))
    assert asyncio.run(operator(Op.PURGE_JOBS)).status_code == S.SUCCESSFUL_OK
    assert len(client.printer.core.jobs) == 0
    assert asyncio.run(client(Op.GET_JOB_ATTRIBUTES, integer("job-id", other))).status_code \
        == S.CLIENT_ERROR_NOT_FOUND


def test_cancel_jobs_and_cancel_current_job_are_for_operators_and_cancel_others_jobs() -> None:
    client = make(delay=None)
    operator = client.as_operator()
    first = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x")))
    second = job_id(asyncio.run(client.as_("bob")(Op.PRINT_JOB, document=b"x")))
    asyncio.run(operator(Op.CANCEL_JOBS, integer("job-ids", second)))
    jobs = client.printer.core.jobs
    assert jobs.get(second).state == JobState.CANCELED
    assert jobs.get(second).reasons == ("job-canceled-by-operator",)
    assert jobs.get(first).state == JobState.PENDING
    nothing = asyncio.run(operator(Op.CANCEL_CURRENT_JOB))
    assert nothing.status_code == S.CLIENT_ERROR_NOT_POSSIBLE  # nothing is processing


def test_set_printer_attributes_is_all_or_nothing() -> None:
    client = make()
    operator = client.as_operator()
    changed = asyncio.run(operator(Op.SET_PRINTER_ATTRIBUTES, printer_group=[
        text("printer-info", "Second floor"), text("printer-message-from-operator", "Toner low"),
        uri("printer-geo-location", "geo:48.85,2.35")]))
    assert changed.status_code == S.SUCCESSFUL_OK
    assert printer_value(client, "printer-info") == "Second floor"
    assert printer_value(client, "printer-message-from-operator") == "Toner low"
    assert printer_value(client, "printer-geo-location") == "geo:48.85,2.35"
    fixed = asyncio.run(operator(Op.SET_PRINTER_ATTRIBUTES, printer_group=[
        text("printer-info", "Basement"), keyword("printer-state-reasons", "none")]))
    assert fixed.status_code == S.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE
    assert values(fixed, DelimiterTag.UNSUPPORTED, "printer-state-reasons")
    too_long = asyncio.run(operator(Op.SET_PRINTER_ATTRIBUTES, printer_group=[
        text("printer-location", "x" * 128), text("printer-info", "Basement")]))
    assert too_long.status_code == S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert printer_value(client, "printer-info") == "Second floor"  # nothing changed


def test_get_printer_supported_values_names_what_can_be_set() -> None:
    operator = make().as_operator()
    answer: IppMessage = asyncio.run(operator(
        Op.GET_PRINTER_SUPPORTED_VALUES,
        keyword("requested-attributes", "printer-info", "printer-name")))
    group = answer.group(P)
    assert group is not None
    assert group["printer-info"].tag == 0x17  # admin-define: any text may be set
    assert group["printer-name"].tag == 0x15  # not-settable


def test_promote_and_schedule_job_after_change_the_queue_order() -> None:
    client = make(delay=None)
    operator = client.as_operator()
    ids = [job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x"))) for _ in range(3)]

    def order() -> list[int]:
        answer = asyncio.run(client(Op.GET_JOBS))
        return [int(g["job-id"].value) for g in answer.groups_with(DelimiterTag.JOB)]
    assert order() == ids
    asyncio.run(operator(Op.PROMOTE_JOB, integer("job-id", ids[2])))
    assert order() == [ids[2], ids[0], ids[1]]
    asyncio.run(operator(Op.SCHEDULE_JOB_AFTER, integer("job-id", ids[2]),
                         integer("predecessor-job-id", ids[1])))
    assert order() == [ids[0], ids[1], ids[2]]
    asyncio.run(client(Op.CANCEL_JOB, integer("job-id", ids[0])))
    ended = asyncio.run(operator(Op.PROMOTE_JOB, integer("job-id", ids[0])))
    assert ended.status_code == S.CLIENT_ERROR_NOT_POSSIBLE


def test_suspend_and_resume_a_job_that_is_printing() -> None:
    async def scenario() -> None:
        client = make(delay=30.0)
        operator = client.as_operator()
        printing = job_id(await client(Op.PRINT_JOB, document=b"x"))
        job = client.printer.core.jobs.get(printing)
        assert job.state == JobState.PROCESSING
        assert (await operator(Op.SUSPEND_CURRENT_JOB)).status_code == S.SUCCESSFUL_OK
        assert job.state == JobState.PROCESSING_STOPPED and job.reasons == ("job-suspended",)
        resumed = await operator(Op.RESUME_JOB, integer("job-id", printing))
        assert resumed.status_code == S.SUCCESSFUL_OK
        assert job.state == JobState.PROCESSING
        await client.printer.aclose()
    asyncio.run(scenario())


def test_set_job_attributes_changes_priority_and_hold_of_ones_own_job() -> None:
    client = make(delay=None)
    held = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x")))
    answer = asyncio.run(client(Op.SET_JOB_ATTRIBUTES, integer("job-id", held),
                                job=[integer("job-priority", 90),
                                     keyword("job-hold-until", "indefinite")]))
    assert answer.status_code == S.SUCCESSFUL_OK
    job = client.printer.core.jobs.get(held)
    assert job.priority == 90 and job.state == JobState.PENDING_HELD
    other = asyncio.run(client.as_("bob")(Op.SET_JOB_ATTRIBUTES, integer("job-id", held),
                                          job=[integer("job-priority", 1)]))
    assert other.status_code == S.CLIENT_ERROR_NOT_AUTHORIZED
    fixed = asyncio.run(client(Op.SET_JOB_ATTRIBUTES, integer("job-id", held),
                               job=[text("job-name", "renamed")]))
    assert fixed.status_code == S.CLIENT_ERROR_ATTRIBUTES_NOT_SETTABLE
    bad = asyncio.run(client(Op.SET_JOB_ATTRIBUTES, integer("job-id", held),
                             job=[integer("job-priority", 101)]))
    assert bad.status_code == S.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED
    assert job.priority == 90


def test_a_finished_job_is_restarted_reprocessed_or_resubmitted_by_its_owner() -> None:
    client = make()
    done = job_id(asyncio.run(client(Op.PRINT_JOB, document=b"x")))
    job = client.printer.core.jobs.get(done)
    assert job.state == JobState.COMPLETED
    assert asyncio.run(client(Op.RESTART_JOB, integer("job-id", done))).status_code == 0
    assert job.state == JobState.COMPLETED and job.processing is not None
    copy = asyncio.run(client(Op.REPROCESS_JOB, integer("job-id", done)))
    assert job_id(copy) != done
    resubmitted = asyncio.run(client(Op.RESUBMIT_JOB, integer("job-id", done),
                                     job=[integer("copies", 3)]))
    new = client.printer.core.jobs.get(job_id(resubmitted))
    assert new.template["copies"].value == 3 and new.state == JobState.COMPLETED
    refused = asyncio.run(client.as_("bob")(Op.RESTART_JOB, integer("job-id", done)))
    assert refused.status_code == S.CLIENT_ERROR_NOT_AUTHORIZED

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printwarden.core.errors import ConflictError
from printwarden.jobs.ipp_status import ipp_job_state, ipp_job_state_reason
from printwarden.jobs.model import (
    OVERRIDDEN_BY_PRINT,
    TERMINAL_STATES,
    TRANSITIONS,
    Job,
    JobState,
    printed_after_all,
    received,
    transition,
    transitions,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def new_job() -> Job:
    job, _ = received("J1", agent_id="A1", agent_job_key="7", printer_id="P1",
                      username="alice", at=T0)
    return job


def test_a_new_job_is_received_and_logged() -> None:
    job, event = received("J1", agent_id="A1", agent_job_key="7", printer_id="P1",
                          username="alice", at=T0)
    assert job.state is JobState.RECEIVED
    assert (event.from_state, event.to_state, event.job_id) == (None, JobState.RECEIVED, "J1")


def test_the_happy_path_walks_to_completed_and_stamps_the_end() -> None:
    path = (JobState.ANALYSED, JobState.AUTHORIZED, JobState.RELEASING, JobState.PRINTING,
            JobState.COMPLETED)
    job, events = transitions(new_job(), path, "ok", T0 + timedelta(minutes=1))
    assert job.state is JobState.COMPLETED
    assert job.completed_at == T0 + timedelta(minutes=1)
    assert [e.to_state for e in events] == list(path)
    assert [e.from_state for e in events] == [JobState.RECEIVED, *path[:-1]]


def test_an_illegal_transition_is_a_conflict_naming_both_states() -> None:
    with pytest.raises(ConflictError, match="received to printing"):
        transition(new_job(), JobState.PRINTING, "skip", T0)


def test_a_terminal_job_refuses_every_move() -> None:
    job, _ = transitions(new_job(), (JobState.ANALYSED, JobState.DENIED), "no", T0)
    for state in JobState:
        with pytest.raises(ConflictError, match="already denied"):
            transition(job, state, "again", T0)


def test_a_job_is_terminal_exactly_when_no_move_is_left_to_it() -> None:
    for state in JobState:
        job = replace(new_job(), state=state)
        moves = []
        for target in JobState:
            try:
                transition(job, target, "try", T0)
            except ConflictError:
                continue
            moves.append(target)
        assert job.terminal == (moves == []), state
    ended = {s for s in JobState if replace(new_job(), state=s).terminal}
    assert {JobState.DENIED, JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED,
            JobState.EXPIRED} == ended  # what the agent link and the ledger rely on


@given(st.lists(st.sampled_from(list(JobState)), max_size=30))
def test_random_transition_sequences_follow_the_table_and_never_leave_an_end(
    targets: list[JobState],
) -> None:
    job = new_job()
    for target in targets:
        before = job.state
        try:
            job, event = transition(job, target, "random", T0)
        except ConflictError:
            assert target not in TRANSITIONS[before]
            continue
        assert target in TRANSITIONS[before]
        assert before not in TERMINAL_STATES
        assert (event.from_state, event.to_state) == (before, target)


def test_ipp_job_states_mirror_the_lifecycle() -> None:
    assert ipp_job_state(JobState.HELD) == 4
    assert ipp_job_state_reason(JobState.HELD) == "job-hold-until-specified"
    assert ipp_job_state(JobState.PRINTING) == 5
    assert ipp_job_state(JobState.COMPLETED) == 9
    assert ipp_job_state_reason(JobState.COMPLETED) == "job-completed-successfully"
    assert ipp_job_state(JobState.CANCELLED) == 7
    assert ipp_job_state_reason(JobState.CANCELLED, by_operator=True) == (
        "job-canceled-by-operator")
    assert ipp_job_state(JobState.FAILED) == 8
    assert all(ipp_job_state(state) in {3, 4, 5, 7, 8, 9} for state in JobState)


@pytest.mark.parametrize("end", sorted(TERMINAL_STATES))
def test_only_an_end_without_a_print_or_charge_is_overridden_by_a_print(
        end: JobState) -> None:
    """The agent's "it printed" moves denied, expired and cancelled jobs to completed,
    once, and never a completed, failed, offline or charged one."""
    job = replace(new_job(), state=end)
    if end in OVERRIDDEN_BY_PRINT:
        moved, event = printed_after_all(job, "printed offline", T0)
        assert (moved.state, event.from_state, event.to_state) == (
            JobState.COMPLETED, end, JobState.COMPLETED)
        with pytest.raises(ConflictError):
            printed_after_all(moved, "again", T0)
        for other in (replace(job, offline=True), replace(job, charged_cost_minor=5)):
            with pytest.raises(ConflictError):
                printed_after_all(other, "printed offline", T0)
    else:
        with pytest.raises(ConflictError):
            printed_after_all(job, "printed offline", T0)

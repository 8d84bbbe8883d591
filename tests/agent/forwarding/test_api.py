"""Pins the public API the agent core builds on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import printwarden.agent.forwarding as forwarding
from printwarden.agent.forwarding import ForwardJob, ForwardResult


def test_the_public_names() -> None:
    assert sorted(forwarding.__all__) == sorted([
        "SCHEMES", "CupsForwarder", "DeviceForwarder", "DeviceStatus", "ForwardJob",
        "ForwardResult", "Forwarder", "Forwarders", "IppForwarder", "LpdForwarder",
        "RetryPolicy", "ScriptedForwarder", "SocketForwarder", "StatusCallback",
        "forwarder_for"])
    assert sorted(forwarding.SCHEMES) == ["cups", "file", "ipp", "ipps", "lpd", "socket", "usb"]


def test_jobs_and_results_are_frozen_with_the_agreed_defaults() -> None:
    job = ForwardJob("id", "title", "user", Path("d.pdf"), "application/pdf")
    result = ForwardResult(False, None, 0, "detail")

    assert (job.copies, job.sides, job.color_mode, job.media, job.pages) == (
        1, "one-sided", "auto", None, None)
    assert (result.remote_job_id, result.retryable) == (None, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.copies = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = True  # type: ignore[misc]

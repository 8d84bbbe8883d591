"""Agent settings: agent.toml, environment, overrides; queues merged with the server's."""

from __future__ import annotations

from pathlib import Path

import pytest

from printwarden.agent.queues import QueueActivity, merge_queues, queue_status
from printwarden.agent.settings import MiB, QueueSettings, load_agent_settings
from printwarden.core.errors import ConfigurationError


def test_settings_come_from_the_file_then_the_environment_then_overrides(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "agent.toml").write_text(
        'server_urls = ["https://a.example", "https://b.example"]\nport = 8632\n'
        'min_free_bytes = 1000\n'
        '[[queues]]\nname = "hall"\ndevice_uri = "socket://mfp:9100"\n'
        'failure_policy = "hold"\n', "utf-8")
    monkeypatch.setenv("PRINTWARDEN_AGENT_PORT", "9631")

    settings = load_agent_settings(tmp_path, min_free_bytes=5)

    assert settings.server_urls == ["https://a.example", "https://b.example"]
    assert settings.port == 9631
    assert settings.min_free_bytes == 5
    assert settings.max_job_bytes == 512 * MiB
    assert settings.queues == [QueueSettings(name="hall", device_uri="socket://mfp:9100",
                                             failure_policy="hold")]
    assert settings.token_path == tmp_path / "agent-token"


def test_a_bad_setting_names_itself(tmp_path: Path) -> None:
    (tmp_path / "agent.toml").write_text('[[queues]]\nname = "bad name!"\n', "utf-8")

    with pytest.raises(ConfigurationError, match="queues"):
        load_agent_settings(tmp_path)


def test_server_queues_override_local_ones_by_name_and_add_their_own() -> None:
    local = [QueueSettings(name="hall", device_uri="file:///tmp/x", lines_per_page=40),
             QueueSettings(name="lab", device_uri="socket://lab:9100")]
    pushed: list[dict[str, object]] = [
        {"name": "hall", "device_uri": "ipp://mfp/ipp/print", "hold_for_release": True,
         "failure_policy": "hold"},
        {"name": "annex", "device_uri": "lpd://annex/q", "failure_policy": "refuse"}]

    merged = merge_queues(local, pushed)

    assert sorted(merged) == ["annex", "hall", "lab"]
    assert merged["hall"].device_uri == "ipp://mfp/ipp/print"
    assert merged["hall"].hold_for_release and merged["hall"].failure_policy == "hold"
    assert merged["hall"].lines_per_page == 40
    assert merged["lab"].device_uri == "socket://lab:9100" and not merged["lab"].from_server


def test_queue_status_tells_why_a_queue_refuses_jobs() -> None:
    merged = merge_queues([QueueSettings(name="hall", device_uri="file:///tmp/x")], [])
    busy = QueueActivity(busy=True, device_reasons={"media-jam-error"})

    printing = queue_status(merged["hall"], busy, server_reachable=True, disk_ok=True)
    cut_off = queue_status(merged["hall"], QueueActivity(), server_reachable=False,
                           disk_ok=True)
    full = queue_status(merged["hall"], QueueActivity(), server_reachable=True, disk_ok=False)

    assert (printing.printer_state, printing.is_accepting_jobs) == (4, True)
    assert printing.printer_state_reasons == ("media-jam-error",)
    assert (cut_off.printer_state, cut_off.is_accepting_jobs) == (5, False)
    assert cut_off.printer_state_reasons == ("server-unreachable",)
    assert not full.is_accepting_jobs and "spool-area-full" in full.printer_state_reasons


def test_a_tracker_queue_keeps_accepting_without_a_server_and_says_so() -> None:
    local = [QueueSettings(name="lab", device_uri="file:///tmp/x", failure_policy="tracker")]
    merged = merge_queues(local, [{"name": "annex", "device_uri": "ipp://annex/",
                                   "failure_policy": "tracker"}])

    for name in ("lab", "annex"):
        status = queue_status(merged[name], QueueActivity(), server_reachable=False,
                              disk_ok=True)
        assert status.is_accepting_jobs and status.printer_state == 3
        assert status.printer_state_reasons == ("server-unreachable",)
        assert status.printer_state_message == (
            "no printwarden server answers: jobs print now and are reported later")
    with pytest.raises(ValueError, match="failure_policy"):
        QueueSettings(name="x", failure_policy="print-anyway")  # type: ignore[arg-type]


def test_a_pushed_queue_names_its_devices_and_forwards_to_the_only_one() -> None:
    pushed: list[dict[str, object]] = [
        {"name": "hall", "kind": "direct", "device_uri": "ipp://mfp/ipp/print",
         "device": {"id": "D1", "name": "mfp", "uri": "ipp://mfp/ipp/print",
                    "color_capable": False, "duplex_capable": True}, "devices": []},
        {"name": "secure", "kind": "release", "hold_for_release": True,
         "device_uri": "socket://one:9100", "device": None,
         "devices": [{"id": "D2", "name": "one", "uri": "socket://one:9100"}]},
        {"name": "floor", "kind": "release", "hold_for_release": True, "device_uri": "",
         "device": None, "devices": [{"id": "D3", "name": "a", "uri": "ipp://a/"},
                                     {"id": "D4", "name": "b", "uri": "ipp://b/"}]}]

    merged = merge_queues([], pushed)

    assert (merged["hall"].kind, merged["hall"].device_uri) == ("direct", "ipp://mfp/ipp/print")
    assert [(d.id, d.name, d.color_capable) for d in merged["hall"].devices] == [
        ("D1", "mfp", False)]
    assert (merged["secure"].kind, merged["secure"].device_uri) == (
        "release", "socket://one:9100")
    # several devices: no single target until a release names one (a later part)
    assert merged["floor"].device_uri == ""
    assert [d.name for d in merged["floor"].devices] == ["a", "b"]


def test_a_server_that_predates_devices_still_configures_the_queue() -> None:
    merged = merge_queues([], [{"name": "hall", "device_uri": "ipp://mfp/ipp/print",
                                "hold_for_release": True}])
    assert (merged["hall"].kind, merged["hall"].device_uri) == ("release",
                                                                "ipp://mfp/ipp/print")
    assert [d.uri for d in merged["hall"].devices] == ["ipp://mfp/ipp/print"]

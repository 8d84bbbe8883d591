"""The demo's print side: a virtual printer, one enrolled agent and two queues.

``prepare_fleet`` registers the agent in process (as ``printwarden agent --enrol`` would),
creates on the server the device ``virtual`` (the virtual printer, served by the agent),
the release group ``demo-room`` holding it, and the queues ``direct`` (prints at once on
the device for an authenticated user) and ``release`` (held; its owner releases it at a
device of the group), and writes the agent's ``agent.toml`` and token. ``Fleet`` runs
the virtual printer and the agent as child processes of the demo, says when everything
answers, and stops them with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import structlog
import tomli_w

from printwarden import __version__
from printwarden.agent.settings import SETTINGS_FILE, load_agent_settings, write_token
from printwarden.container import ServerContainer

log = structlog.get_logger("printwarden.demo")
ACTOR = "demo"
AGENT_NAME = "demo-agent"
DEVICE_NAME = "virtual"
RELEASE_GROUP = "demo-room"
#: (name, kind, owner check, description)
QUEUES = (
    ("direct", "direct", "authenticate",
     "Prints at once for a signed-in user (IPP authentication), charged on completion"),
    ("release", "release", "release", "Held until its owner releases it at a printer"),
)


@dataclass(frozen=True)
class FleetPlan:
    agent_dir: Path
    printer_dir: Path
    log_dir: Path
    agent_port: int
    printer_port: int

    @property
    def device_uri(self) -> str:
        return f"ipp://127.0.0.1:{self.printer_port}/ipp/print/virtual"

    def queue_uri(self, name: str) -> str:
        return f"ipp://127.0.0.1:{self.agent_port}/ipp/print/{name}"


def prepare_fleet(container: ServerContainer, plan: FleetPlan) -> list[dict[str, str]]:
    """Enrol the demo agent, create its queues, write its settings; answer demo.json queues."""
    devices = container.devices
    enrolled = devices.find_agent_by_name(AGENT_NAME)  # a demo restarted on its data
    code, _ = devices.create_enrolment_code(
        actor=ACTOR, for_agent_id=enrolled.id if enrolled else None)
    agent, token = devices.register_agent(code, name=AGENT_NAME, hostname=platform.node(),
                                          version=__version__)
    _prepare_queues(container, agent.id, plan.device_uri)
    plan.agent_dir.mkdir(parents=True, exist_ok=True)
    agent_toml = {
        "name": AGENT_NAME,
        "server_urls": [container.settings.effective_public_url],
        "host": "127.0.0.1",
        "port": plan.agent_port,
    }
    (plan.agent_dir / SETTINGS_FILE).write_text(tomli_w.dumps(agent_toml), "utf-8")
    write_token(load_agent_settings(plan.agent_dir), token)
    return [{"name": name, "uri": plan.queue_uri(name), "owner_check": owner_check}
            for name, _, owner_check, _ in QUEUES]


def _prepare_queues(container: ServerContainer, agent_id: str, device_uri: str) -> None:
    """The demo's device, release group and queues, made or brought up to date (a demo
    restarted on its data finds them)."""
    devices = container.devices
    fields = {"agent_id": agent_id, "device_uri": device_uri, "location": "Demo room",
              "make_and_model": "printwarden virtual printer",
              "description": "The demo's virtual IPP Everywhere printer"}
    device = devices.find_device_by_name(DEVICE_NAME)
    if device is None:
        device = devices.create_device(DEVICE_NAME, actor=ACTOR, **fields)
    else:
        device = devices.update_device(device.id, fields, actor=ACTOR)
    group = devices.find_release_group_by_name(RELEASE_GROUP)
    if group is None:
        group = devices.create_release_group(RELEASE_GROUP, actor=ACTOR,
                                             description="The demo room's printers",
                                             device_ids=[device.id])
    else:
        group = devices.add_release_group_member(group.id, device.id, actor=ACTOR)
    for name, kind, owner_check, description in QUEUES:
        target = ({"device_id": device.id} if kind == "direct"
                  else {"release_group_id": group.id, "agent_id": agent_id})
        queue_fields = {"kind": kind, "owner_check": owner_check, "description": description,
                        **target}
        existing = devices.find_queue_by_name(name)
        if existing is None:
            devices.create_queue(name, actor=ACTOR, **queue_fields)
        else:
            devices.update_queue(existing.id, queue_fields, actor=ACTOR)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the demo dies, even by
    SIGKILL, so no agent or printer is left holding its port. (Linux sends it when the
    *thread* that started the child ends: the fleet's thread lives as long as the demo.)"""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1
#: How long the demo waits for its children to stop before killing them.
STOP_SECONDS = 5.0


class Fleet:
    """The virtual printer and the agent as child processes of the demo.

    ``start`` runs the printer at once and, from a thread, the agent once the server
    answers, then calls ``on_ready`` once every URL the demo prints answers (the server,
    the printer, each queue on the agent). ``stop`` stops both, killing what does not stop
    within ``STOP_SECONDS``; the children also die with the demo on Linux."""

    def __init__(self, plan: FleetPlan, server_url: str, queues: list[str],
                 on_ready: Callable[[], None], timeout: float = 120.0) -> None:
        self._plan = plan
        self._server_url = server_url
        self._queues = queues
        self._on_ready = on_ready
        self._timeout = timeout
        self._children: list[subprocess.Popen[bytes]] = []
        self._names: dict[int, str] = {}
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        #: Why the demo could not come up (a child exited), or None.
        self.failure: str | None = None

    def _spawn(self, name: str, *args: str) -> None:
        self._plan.log_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self._stopped.is_set():
                return
            with (self._plan.log_dir / f"{name}.log").open("ab") as out:
                child = subprocess.Popen(
                    [sys.executable, "-m", "printwarden", *args], stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None)
            self._children.append(child)
            self._names[child.pid] = name
        log.info("demo_child_started", child=name, pid=child.pid)

    def start(self) -> None:
        self._spawn("virtual-printer", "virtual-printer", "--dir", str(self._plan.printer_dir),
                    "--port", str(self._plan.printer_port))
        threading.Thread(target=self._bring_up, name="pw-demo-fleet", daemon=True).start()

    def _exited(self) -> str | None:
        with self._lock:
            for child in self._children:
                if child.poll() is not None:
                    name = self._names.get(child.pid, "a child")
                    return (f"the demo's {name} exited (status {child.returncode}): see "
                            f"{self._plan.log_dir / (name + '.log')} (a port in use?)")
        return None

    def _wait_until(self, check: Callable[[], bool], what: str, deadline: float) -> bool:
        while not self._stopped.is_set():
            exited = self._exited()
            if exited is not None:
                self._fail(exited)
                return False
            try:
                if check():
                    return True
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"the demo's {what} did not answer within {self._timeout:.0f} s: "
                           f"see {self._plan.log_dir}")
                return False
            time.sleep(0.2)
        return False

    def _bring_up(self) -> None:
        try:
            self._start_and_wait()
        finally:  # the agent dies with this thread (PDEATHSIG): keep it until the end
            self._stopped.wait()

    def _start_and_wait(self) -> None:
        deadline = time.monotonic() + self._timeout
        agent = f"http://127.0.0.1:{self._plan.agent_port}"
        if not self._wait_until(lambda: httpx.get(f"{self._server_url}/readyz",
                                                  timeout=2).status_code == 200,
                                "the server", deadline):
            return
        self._spawn("agent", "agent", "--data-dir", str(self._plan.agent_dir))
        printer = f"http://127.0.0.1:{self._plan.printer_port}/"
        if not (self._wait_until(lambda: httpx.get(printer, timeout=2).status_code < 500,
                                 "the virtual printer", deadline)
                and self._wait_until(lambda: self._queues_ready(agent), "the agent's queues",
                                     deadline)):
            return
        self._on_ready()

    def _fail(self, why: str) -> None:
        """The demo cannot come up: say why and stop the whole demo (the server too)."""
        self.failure = why
        log.error("demo_failed", reason=why)
        os.kill(os.getpid(), signal.SIGTERM)

    def _queues_ready(self, agent_url: str) -> bool:
        """Every demo queue is served, accepting, and knows its device."""
        try:
            queues = httpx.get(f"{agent_url}/healthz", timeout=2).json().get("queues", {})
        except ValueError:  # not the agent (yet)
            return False
        return all(queues.get(name, {}).get("accepting") for name in self._queues) and all(
            httpx.get(f"{agent_url}/ipp/print/{name}", timeout=2).status_code == 200
            for name in self._queues)

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            children = list(self._children)
        for child in children:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait(timeout=5)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signum)

"""The demo's print side: a virtual printer, one enrolled agent and two queues.

``prepare_fleet`` registers the agent in process (as ``printwarden agent --enrol`` would),
creates the queues ``direct`` (prints at once) and ``release`` (held for release) on the
server, and writes the agent's ``agent.toml`` and token. ``Fleet`` runs the virtual printer
and the agent as child processes of the demo and stops them with it.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import threading
import time
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
#: (name, held for release, owner check, description)
QUEUES = (
    ("direct", False, "authenticate",
     "Prints at once for a signed-in user (IPP authentication), charged on completion"),
    ("release", True, "release", "Held until its owner releases it at a printer"),
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
    for name, hold, owner_check, description in QUEUES:
        fields = {"agent_id": agent.id, "device_uri": plan.device_uri,
                  "hold_for_release": hold, "owner_check": owner_check,
                  "description": description, "location": "Demo room"}
        existing = devices.find_printer_by_name(name)
        if existing is None:
            devices.create_printer(name, actor=ACTOR, **fields)
        else:
            devices.update_printer(existing.id, fields, actor=ACTOR)
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


class Fleet:
    """The virtual printer and the agent as child processes of the demo."""

    def __init__(self, plan: FleetPlan, server_url: str) -> None:
        self._plan = plan
        self._server_url = server_url
        self._children: list[subprocess.Popen[bytes]] = []
        self._stopped = threading.Event()
        self._lock = threading.Lock()

    def _spawn(self, name: str, *args: str) -> None:
        self._plan.log_dir.mkdir(parents=True, exist_ok=True)
        with (self._plan.log_dir / f"{name}.log").open("ab") as out:
            child = subprocess.Popen([sys.executable, "-m", "printwarden", *args],
                                     stdout=out, stderr=subprocess.STDOUT)
        self._children.append(child)
        log.info("demo_child_started", child=name, pid=child.pid)

    def start(self) -> None:
        """Start the printer now and the agent once the server answers."""
        self._spawn("virtual-printer", "virtual-printer", "--dir", str(self._plan.printer_dir),
                    "--port", str(self._plan.printer_port))
        threading.Thread(target=self._start_agent_when_ready, name="pw-demo-fleet",
                         daemon=True).start()

    def _start_agent_when_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not self._stopped.is_set():
            try:
                if httpx.get(f"{self._server_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        with self._lock:
            if not self._stopped.is_set():
                self._spawn("agent", "agent", "--data-dir", str(self._plan.agent_dir))

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
        for child in self._children:
            if child.poll() is None:
                child.terminate()
        for child in self._children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)

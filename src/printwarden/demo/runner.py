"""``printwarden demo``: seed, run the server with its fleet, say so once all of it answers.

The URLs, queues and credentials are printed, and written to ``DATA_DIR/demo.json``, only
when every one of them answers (a stale ``demo.json`` is removed first): a person who
copies the printed command at once gets a queue that takes the job. SIGTERM or Ctrl-C
stops the agent and the virtual printer with the server, and the demo exits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from printwarden.core.errors import ConfigurationError
from printwarden.core.settings import ServerSettings
from printwarden.demo.fleet import Fleet, FleetPlan, prepare_fleet
from printwarden.demo.seed import DEMO_FILE, DemoInfo, seed_demo, write_demo_file
from printwarden.server.bootstrap import build_server
from printwarden.server.run import serve

__all__ = ["run_demo", "summary"]


def summary(info: DemoInfo, plan: FleetPlan, path: Path) -> str:
    url = info.server_url
    lines = [
        "",
        "printwarden demo",
        f"  web UI:        {url}/   (sign in as {info.admin['username']} / "
        f"{info.admin['password']})",
        f"  REST API docs: {url}/api/docs",
        f"  health:        {url}/healthz   metrics: {url}/metrics",
        "  demo users:    " + ", ".join(f"{u['username']}/{u['password']}" for u in info.users),
    ]
    lines += [f"  print queue:   {q['uri']}  (owner: {q['owner_check']})" for q in info.queues]
    if info.queues:
        first = info.users[0]
        direct = next(q["uri"] for q in info.queues if q["owner_check"] == "authenticate")
        lines.append(f"  try it:        printwarden print FILE.pdf --queue {direct} "
                     f"--user {first['username']} --password {first['password']}")
        lines.append(f"  printed pages: {plan.printer_dir}/ (the virtual printer keeps them)")
    lines += [f"  details:       {path}", ""]
    return "\n".join(lines)


def run_demo(settings: ServerSettings, *, agent_port: int, printer_port: int,
             printing: bool, seed_only: bool, echo: Callable[[str], None]) -> None:
    container = build_server(settings)
    info = seed_demo(container)
    (settings.data_dir / DEMO_FILE).unlink(missing_ok=True)
    plan = FleetPlan(
        agent_dir=settings.data_dir / "agent", printer_dir=settings.data_dir / "virtual-printer",
        log_dir=settings.data_dir / "logs", agent_port=agent_port, printer_port=printer_port)
    if printing:
        info.queues = prepare_fleet(container, plan)

    def ready() -> None:
        echo(summary(info, plan, write_demo_file(settings.data_dir, info)))

    if seed_only:  # nothing runs: the file records what was made
        ready()
        return
    fleet = Fleet(plan, info.server_url, [q["name"] for q in info.queues], on_ready=ready)
    if printing:
        fleet.start()
    else:
        threading.Thread(target=_when_answering, args=(info.server_url, ready),
                         name="pw-demo-ready", daemon=True).start()
    try:
        serve(container, on_exit_signal=fleet.stop)
    finally:
        fleet.stop()
    if fleet.failure is not None:
        raise ConfigurationError(fleet.failure)


def _when_answering(server_url: str, then: Callable[[], None], attempts: int = 600) -> None:
    for _ in range(attempts):
        try:
            if httpx.get(f"{server_url}/readyz", timeout=2).status_code == 200:
                then()
                return
        except httpx.HTTPError:
            pass
        threading.Event().wait(0.2)

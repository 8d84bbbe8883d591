"""The agent as a real process against a real server, a virtual printer downstream."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

from printwarden.ipp import (
    DelimiterTag,
    IppMessage,
    Operation,
    StatusCode,
    decode,
    integer,
    mime_media_type,
)
from printwarden.jobs.model import JobState
from tests.agent.support import LiveServer, World
from tests.ipp.server.support import RunningVirtualPrinter, ipp_request
from tests.support.postgres import free_port

#: How long a process test waits for a condition before it fails: generous, because a
#: loaded 2-core CI machine runs two test workers beside every process a test starts
#: (a test that passes waits only as long as its condition takes).
WAIT = 60.0
ROOT_CREDIT = 1_000_000
FAST_SETTINGS = """events_wait_seconds = 1.0
health_min_seconds = 0.1
health_max_seconds = 0.5
forward_max_delay_seconds = 0.5
forward_delay_seconds = 0.1
request_timeout_seconds = 5.0
"""


def poll(condition: Callable[[], Any], what: str, timeout: float = WAIT,
         step: float = 0.05) -> Any:
    """``condition()`` once it is truthy, checked every ``step`` seconds (a longer step for
    a costly check, so that checking does not slow down what it waits for)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


@dataclass
class AgentProcess:
    """``python -m printwarden agent`` in its own session; ``kill`` sends SIGKILL."""

    verify_tls: ClassVar[bool] = True
    data_dir: Path
    server_url: str
    port: int = field(default_factory=free_port)
    extra_settings: str = ""
    proc: subprocess.Popen[bytes] | None = None
    #: The agent's name at enrolment (two agents of one test need two names).
    name: str = "e2e-agent"
    #: Servers after ``server_url``, in order (failover; ``server_url`` is preferred).
    more_servers: tuple[str, ...] = ()

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, queue: str) -> str:
        return f"http://127.0.0.1:{self.port}/ipp/print/{queue}"

    def uri(self, queue: str) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print/{queue}"

    def start(self, enrol: str | None = None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "agent.toml").write_text(
            FAST_SETTINGS + self.extra_settings
            + ("" if "min_free_bytes" in self.extra_settings else "min_free_bytes = 0\n"))
        args = [sys.executable, "-m", "printwarden", "agent", "--data-dir",
                str(self.data_dir), "--server", self.server_url, "--host", "127.0.0.1",
                "--port", str(self.port), "--name", self.name]
        for url in self.more_servers:
            args += ["--server", url]
        if enrol:
            args += ["--enrol", enrol]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTWARDEN_")}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        poll(self._healthy, "the agent's /healthz")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"the agent exited: {self.log.read_text(errors='replace')}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).is_success
        except httpx.HTTPError:
            return False

    def status_page(self, queue: str) -> str | None:
        """The queue's HTML status page, or None while it is not served."""
        try:
            page = httpx.get(self.url(queue), timeout=2, verify=self.verify_tls)
        except httpx.HTTPError:
            return None
        return page.text if page.status_code == 200 else None

    def serves(self, queue: str) -> bool:
        return self.status_page(queue) is not None

    def ready(self, queue: str) -> bool:
        """The queue is served and has its device (the server's configuration arrived:
        a queue without one shows ``other-error`` and keeps its jobs waiting)."""
        page = self.status_page(queue)
        return page is not None and "other-error" not in page

    def health(self) -> dict[str, Any]:
        """The agent's ``/healthz`` (which server it uses, whether one answers)."""
        answer: dict[str, Any] = httpx.get(f"{self.base}/healthz", timeout=5).json()
        return answer

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def ipp(self, queue: str, operation: int, *extra: Any, data: bytes = b"",
            **options: Any) -> IppMessage:
        body = ipp_request(operation, self.uri(queue), *extra, **options) + data
        response = httpx.post(self.url(queue), content=body,
                              headers={"Content-Type": "application/ipp"}, timeout=60)
        assert response.status_code == 200, response.text
        return decode(response.content)[0]

    def printer_attributes(self, queue: str) -> IppMessage:
        return self.ipp(queue, Operation.GET_PRINTER_ATTRIBUTES)

    def printer_value(self, queue: str, attribute: str) -> Any:
        found = self.printer_attributes(queue).get(DelimiterTag.PRINTER, attribute)
        assert found is not None, attribute
        return found.values

    def job_value(self, queue: str, job_id: int, attribute: str, user: str = "alice") -> Any:
        answer = self.ipp(queue, Operation.GET_JOB_ATTRIBUTES, integer("job-id", job_id),
                          user=user)
        found = answer.get(DelimiterTag.JOB, attribute)
        return None if found is None else found.value

    def print_job(self, queue: str, data: bytes, *, user: str = "alice",
                  fmt: str = "application/pdf", job_attributes: tuple[Any, ...] = (),
                  extra: tuple[Any, ...] = ()) -> IppMessage:
        return self.ipp(queue, Operation.PRINT_JOB, mime_media_type("document-format", fmt),
                        *extra, data=data, user=user, job_attributes=job_attributes)


def job_id_of(answer: IppMessage) -> int:
    """The job id of a successful Print-Job answer."""
    assert answer.operation_id == StatusCode.SUCCESSFUL_OK, answer
    found = answer.get(DelimiterTag.JOB, "job-id")
    assert found is not None
    return int(found.value)  # type: ignore[arg-type]


def close_all(parts: list[Any]) -> None:
    """End what a module fixture started, last first: agents are killed, a virtual
    printer left, anything else (proxies, terminals) closed."""
    for part in reversed(parts):
        if isinstance(part, AgentProcess):
            part.kill()
        elif isinstance(part, RunningVirtualPrinter):
            part.__exit__(None, None, None)
        else:
            part.close()


def add_root_user(world: World) -> str:
    """ipptool and lp send requesting-user-name root (the tests run as root)."""
    user = world.server.accounts.create_user("root", full_name="Root", actor="test")
    world.top_up(user.id, ROOT_CREDIT)
    return user.id


def add_agent_queue(world: World, agent: AgentProcess, queue: str, device_uri: str,
                    **options: Any) -> None:
    """A server queue on ``agent``; unless the test says otherwise it believes
    requesting-user-name (these tests are about printing, not about who prints)."""
    options.setdefault("owner_check", "trusted-network")
    world.server.devices.create_printer(queue, actor="test", agent_id=world.agent_id(),
                                        device_uri=device_uri, **options)
    poll(lambda: agent.ready(queue), f"queue {queue} with its device on the agent")


def server_jobs(live: LiveServer, username: str) -> list[Any]:
    jobs, _ = live.container.jobs.list_jobs(username=username, limit=1000)
    return jobs


def charges_of(world: World, job_id: str) -> int:
    return world.charges(job_id)


def settled(live: LiveServer, username: str) -> bool:
    ended = {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.DENIED,
             JobState.EXPIRED}
    return all(job.state in ended for job in server_jobs(live, username))


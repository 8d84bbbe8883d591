"""Agent settings: defaults < ``DATA_DIR/agent.toml`` < ``PRINTWARDEN_AGENT_*`` environment.

The token the server issues at enrolment lives in ``DATA_DIR/agent-token`` (mode 0600).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from printwarden.core.settings import LayeredSettings, load_layered

SETTINGS_FILE = "agent.toml"
TOKEN_FILE = "agent-token"
ENV_PREFIX = "PRINTWARDEN_AGENT_"
DEFAULT_DATA_DIR = Path("./printwarden-agent")
MiB = 1 << 20


class QueueSettings(BaseModel):
    """One print queue: its IPP name, where its jobs go, what to do without a server."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    device_uri: str = ""
    hold_for_release: bool = False
    failure_policy: Literal["refuse", "hold", "tracker"] = "refuse"
    """While no server answers: ``refuse`` jobs, ``hold`` them until one answers, or
    ``tracker``: print them at once, priced from the last price lists received, and
    report them when a server answers."""
    lines_per_page: int = Field(default=60, ge=1, le=1000)
    advertise: bool = True
    """Advertise the queue with DNS-SD (when the agent's ``dnssd`` is on)."""
    owner_check: Literal["authenticate", "release", "trusted-network"] = "authenticate"
    """Who owns a job: ``authenticate`` (IPP requests need HTTP Basic credentials of a
    printwarden user, checked at the server), ``release`` (held; whoever releases it) or
    ``trusted-network`` (``requesting-user-name`` is believed)."""
    document_policy: Literal["rewrite", "refuse"] = "rewrite"
    """A document whose pages were only estimated: rewritten to the pages counted, or
    refused."""
    job_lifetime_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    lost_job_charge: Literal["as-sent", "flag"] = "as-sent"
    description: str = ""
    location: str = ""


class AgentSettings(LayeredSettings):
    """Everything the print agent reads at start."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(default=DEFAULT_DATA_DIR)
    name: str = Field(default="", description="agent name at enrolment (default: hostname)")
    server_urls: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8631"],
                                   min_length=1, description="preferred server first")
    host: str = Field(default="0.0.0.0", description="IPP listener address")
    port: int = Field(default=631, ge=1, le=65535, description="IPP listener port")
    max_job_bytes: int = Field(default=512 * MiB, ge=1, description="spool limit per job")
    min_free_bytes: int = Field(default=200 * MiB, ge=0, description="keep this much disk free")
    queues: list[QueueSettings] = Field(default_factory=list)
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    find_me_peers: dict[str, str] = Field(
        default_factory=dict, description="find-me: other agents' names -> the base URL "
        "of their IPP/HTTP listener (e.g. http://ps2.lan:631), to fetch jobs released here")
    events_wait_seconds: float = Field(default=25.0, ge=0, le=30)
    other_servers_events_seconds: float = Field(
        default=3.0, ge=0, description="how often the servers of the list the agent does "
        "not follow (a site's remote while it follows central) are asked for their events: "
        "a job held there and released at a terminal that talks to them; 0: never")
    health_min_seconds: float = Field(default=1.0, gt=0, description="first health re-check")
    health_max_seconds: float = Field(
        default=10.0, gt=0, description="health back-off cap: how soon queues reopen once "
        "a server answers again")
    forward_delay_seconds: float = Field(
        default=2.0, ge=0, description="first wait before trying a printer that did not "
        "answer again (doubling, see forward_max_delay_seconds; a job keeps trying for its "
        "queue's job lifetime)")
    forward_max_delay_seconds: float = Field(
        default=30.0, ge=0, description="longest wait between two tries of a printer: how "
        "soon a printer that comes back gets its waiting jobs")
    journal_retention_days: float = Field(
        default=30.0, gt=0, description="ended jobs stay in the journal this long (their "
        "documents are deleted when they end), then they are swept")
    ipp_ended_jobs_kept: int = Field(
        default=500, ge=0, le=100_000, description="ended jobs each IPP queue still shows "
        "(Get-Jobs which-jobs=completed) after a restart")
    device_poll_seconds: float = Field(
        default=30.0, ge=0, description="how often each queue's printer is asked for its "
        "state and supplies, also while idle (0: never)")
    snmp_timeout_seconds: float = Field(
        default=2.0, ge=0.05, le=60, description="how long the device monitor waits for "
        "one SNMP answer from a device read over SNMP")
    snmp_retries: int = Field(default=1, ge=0, le=10, description="extra SNMP requests "
                              "after one that got no answer")
    dnssd: bool = Field(default=True, description="advertise the queues with DNS-SD")
    tls: bool = Field(default=False, description="serve ipps:// (TLS) instead of ipp://")
    tls_cert_file: Path | None = Field(default=None, description="PEM certificate (chain)")
    tls_key_file: Path | None = Field(default=None, description="PEM private key")
    auth_cache_seconds: float = Field(default=60.0, ge=0,
                                      description="how long a checked password is trusted")
    analysis_workers: int = Field(default=0, ge=0, le=64, description=(
        "document analysis worker processes; 0: one per CPU, at least 2 and at most 8"))
    analysis_workers_per_user: int = Field(default=0, ge=0, le=64, description=(
        "workers one user's documents may hold at once; 0: half the pool, at least 1"))
    analysis_seconds: float = Field(default=30.0, gt=0, le=3600, description=(
        "time budget of one analysis or rewrite inside the worker (Ghostscript included)"))
    analysis_timeout_seconds: float = Field(default=90.0, gt=0, le=7200, description=(
        "a worker that has not answered by then is killed and the job refused"))
    analysis_memory_limit_bytes: int = Field(default=2 << 30, ge=0, description=(
        "address-space limit of a worker (POSIX); 0: none"))
    transform_timeout_seconds: float = Field(default=300.0, gt=0, le=7200, description=(
        "time a forced grayscale conversion may take (in an analysis worker); past it "
        "the worker is killed and the job fails, never printed in colour"))

    @property
    def token_path(self) -> Path:
        return self.data_dir / TOKEN_FILE

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "agent.db"


def load_agent_settings(data_dir: Path | None = None, **overrides: Any) -> AgentSettings:
    """Settings for ``data_dir``: explicit ``overrides`` > environment > agent.toml > defaults."""
    directory = Path(data_dir or os.environ.get(f"{ENV_PREFIX}DATA_DIR") or DEFAULT_DATA_DIR)
    return load_layered(AgentSettings, directory, file_name=SETTINGS_FILE, section="agent",
                        env_prefix=ENV_PREFIX, overrides=overrides, label="agent setting")


def read_token(settings: AgentSettings) -> str | None:
    """The stored agent token, or None before enrolment."""
    try:
        token = settings.token_path.read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def write_token(settings: AgentSettings, token: str) -> None:
    """Store ``token`` durably with mode 0600 (written to a temp file, then renamed)."""
    path = settings.token_path
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    if os.name == "posix":
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)

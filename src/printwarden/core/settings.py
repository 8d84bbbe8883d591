"""Settings: defaults < ``DATA_DIR/printwarden.toml`` < ``PRINTWARDEN_*`` environment.

The data directory holds the settings file, the embedded SQLite database and
``secrets.json`` (generated on first use, mode 0600).
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from printwarden.core.errors import ConfigurationError
from printwarden.core.private_files import make_private_dir

SETTINGS_FILE = "printwarden.toml"
SECRETS_FILE = "secrets.json"
DEFAULT_DATA_DIR = Path("./printwarden-data")
_SECRET_FIELDS = ("secret_key", "card_hmac_key")


class LayeredSettings(BaseSettings):
    """Settings read from explicit values first, then the environment (see ``load_layered``)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)


class ServerSettings(LayeredSettings):
    """Everything the central server reads at start."""

    model_config = SettingsConfigDict(env_prefix="PRINTWARDEN_", extra="ignore")

    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="data directory")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data dir")
    host: str = Field(default="127.0.0.1", description="address the server listens on")
    port: int = Field(default=8631, ge=1, le=65535, description="HTTP port")
    public_url: str = Field(default="", description="URL people and agents use; derived if empty")
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    log_level: str = Field(default="info")
    log_json: bool = Field(default=True, description="structured JSON log lines")
    secret_key: str = Field(default="", description="signs sessions and tokens (secrets.json)")
    card_hmac_key: str = Field(default="", description="keys card-number HMACs (secrets.json)")
    login_rate_limit_per_minute: int = Field(
        default=10, ge=1, description="failed sign-ins per name and source a minute, then "
        "growing delays (also PIN, card and API-token failures per source)")
    login_source_rate_limit_per_minute: int = Field(
        default=20, ge=1, description="failed sign-ins per source over all names a minute")
    pin_rate_limit_per_minute: int = Field(
        default=5, ge=1, description="failed PINs per user (card + PIN, username + PIN) "
        "before growing delays, counted over 24 hours across every terminal and source")
    terminal_rate_limit_per_minute: int = Field(
        default=20, ge=1, description="failed sign-ins per terminal a minute over every "
        "method (card, PIN, ID number, password)")
    card_alone_allowed: bool = Field(
        default=True, description="a card alone signs its owner in at a device; false: "
        "a PIN goes with every card")
    kiosk_idle_seconds: int = Field(
        default=90, ge=5, le=3600, description="a kiosk (/kiosk/DEVICE) signs its user out "
        "after this many seconds without a request; its page returns to the sign-in "
        "screen after as long without a touch or key")
    id_number_length: int = Field(
        default=8, ge=8, le=18, description="digits of a generated ID number; at most 1 "
        "in 10,000 of the numbers of this length are ever assigned")
    terminal_session_idle_seconds: int = Field(
        default=120, ge=10, le=3600, description="a terminal session (and its copy "
        "session) ends after this long without a request; the scheduler closes copy "
        "sessions of vanished terminals and charges what they reported")
    terminal_card_self_registration: bool = Field(
        default=False, description="an unknown card at a terminal may be registered by "
        "its holder signing in with username and password (audited)")
    policy_fail_safe: Literal["deny", "allow"] = Field(
        default="deny", description="what a print rule that fails on a job (a CEL error) "
        "does: deny the job (default) or skip the rule")
    low_balance_minor: int = Field(
        default=100, ge=0, le=10**12, description="below this balance (minor units) after "
        "a job, its owner is warned (pop-up notice, e-mail); 0 turns the warning off")
    question_timeout_max_seconds: int = Field(
        default=3600, ge=5, le=86_400, description="the longest a rule may make a job wait "
        "for its owner's answer before the rule's default applies")
    copy_session_max_minor: int = Field(
        default=10_000, ge=0, le=10**9, description="the most one copy session may "
        "spend (minor units): reserved at open, capped by what the user may spend")
    copy_snmp_timeout_seconds: float = Field(
        default=2.0, ge=0.05, le=60, description="the server's wait for each SNMP answer "
        "when it reads a device's counters for a kiosk copy session")
    copy_snmp_retries: int = Field(
        default=1, ge=0, le=10, description="extra SNMP attempts after a timeout when "
        "reading a device's counters for a kiosk copy session")
    enrolment_rate_limit_per_minute: int = Field(
        default=10, ge=1, description="failed agent, terminal and remote enrolments per "
        "source a minute")
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="largest request body (413 beyond)")
    max_import_body_bytes: int = Field(
        default=32 * 1024 * 1024, ge=1024, description="largest CSV user import body")
    max_top_up_minor: int = Field(
        default=1_000_000, ge=1, le=10**15,
        description="largest amount of one top-up (or other direct posting), minor units")
    scheduler_interval_seconds: float = Field(default=60.0, gt=0)
    fetch_token_seconds: int = Field(
        default=120, ge=10, le=3600, description="how long a find-me fetch token lets the "
        "releasing agent fetch a job from the agent holding it")
    database_retry_seconds: float = Field(
        default=10.0, ge=0, le=300,
        description="how long a request retries a lost database connection before a 503")
    notify_send_interval_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="how often the notification sender looks "
        "for due e-mails and webhook deliveries (it also wakes when one is queued)")
    notify_max_attempts: int = Field(
        default=8, ge=1, le=50, description="attempts of one e-mail or webhook delivery "
        "before it is dead (shown to admins, retried by hand)")
    notify_backoff_seconds: float = Field(
        default=30.0, ge=0.01, le=3600, description="the wait after a failed first "
        "attempt; it doubles with every further failure (at most 6 hours)")
    notify_webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="how long one webhook POST may take")
    sync_feed_retain_versions: int = Field(
        default=1_000_000, ge=1000, le=10**12, description="central keeps this many of "
        "the newest replication changes; a remote further behind resyncs from a snapshot")
    sync_poll_interval_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="a remote's wait between two pulls of "
        "central's change feed once it is up to date")
    sync_batch_limit: int = Field(
        default=1000, ge=1, le=10_000, description="changes a remote applies per "
        "transaction")
    sync_push_batch: int = Field(
        default=500, ge=1, le=1000, description="ledger entries a remote pushes to central "
        "per call (central takes at most 1000)")
    remote_offline_after_seconds: float = Field(
        default=10.0, gt=0, le=86_400, description="a remote counts itself cut off from "
        "central (offline credit policies apply) when its last successful pull is older "
        "than this, or none succeeded since it started")
    offline_credit_default: Literal["balance", "limit", "deny"] = Field(
        default="balance", description="the offline credit policy of accounts opened from "
        "now on: balance (a remote cut off from central spends the replica's balance), "
        "limit (at most the account's offline limit, 0 until an admin sets one) or deny "
        "(no charged work offline)")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'printwarden.db').resolve()}"

    @property
    def effective_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain data, secrets and passwords masked."""
        data = self.model_dump(mode="json")
        data["effective_database_url"] = _mask_url(self.effective_database_url)
        data["database_url"] = _mask_url(self.database_url)
        for name in _SECRET_FIELDS:
            data[name] = "********" if data.get(name) else ""
        return data


def _mask_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:********@{host}"
    return url


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory (0700) if needed and check it is a writable directory."""
    try:
        make_private_dir(data_dir)
    except OSError as exc:
        message = f"cannot create data directory {data_dir}: {exc.strerror}"
        raise ConfigurationError(message) from exc
    if not data_dir.is_dir():
        raise ConfigurationError(f"data directory {data_dir} is not a directory")
    probe = data_dir / ".write-test"
    try:
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        message = f"data directory {data_dir} is not writable: {exc.strerror}"
        raise ConfigurationError(message) from exc


def read_toml_section(path: Path, section: str) -> dict[str, Any]:
    """The ``[section]`` table of a TOML file (or its top level); {} when the file is absent."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"settings file {path} is unreadable: {exc}") from exc
    table = data.get(section, data)
    return dict(table) if isinstance(table, dict) else {}


S = TypeVar("S", bound=LayeredSettings)


def load_layered(cls: type[S], directory: Path, *, file_name: str, section: str,
                 env_prefix: str, overrides: dict[str, Any], label: str = "setting") -> S:
    """Build ``cls``: explicit ``overrides`` > environment ``env_prefix*`` > the TOML file >
    defaults, for the data directory ``directory`` (created if needed)."""
    prepare_data_dir(directory)
    file_values = read_toml_section(directory / file_name, section)
    env_names = {k[len(env_prefix):].lower() for k in os.environ if k.startswith(env_prefix)}
    init: dict[str, Any] = {k: v for k, v in file_values.items() if k not in env_names}
    init.update({k: v for k, v in overrides.items() if v is not None})
    init["data_dir"] = directory
    try:
        return cls(**init)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigurationError(f"invalid {label} {where}: {first['msg']}") from exc


def _load_or_create_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    if path.exists():
        try:
            loaded = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"secrets file {path} is corrupt: {exc}") from exc
        if not isinstance(loaded, dict) or not all(k in loaded for k in _SECRET_FIELDS):
            raise ConfigurationError(f"secrets file {path} is incomplete")
        return {k: str(loaded[k]) for k in _SECRET_FIELDS}
    values = {name: secrets.token_urlsafe(32) for name in _SECRET_FIELDS}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return values


def load_server_settings(data_dir: Path | None = None, **overrides: Any) -> ServerSettings:
    """Build settings for ``data_dir`` (env ``PRINTWARDEN_DATA_DIR`` or ``./printwarden-data``).

    Precedence: explicit ``overrides`` > environment > ``printwarden.toml`` > defaults.
    Secrets come from ``secrets.json`` unless set explicitly.
    """
    env_dir = os.environ.get("PRINTWARDEN_DATA_DIR")
    directory = Path(data_dir or env_dir or DEFAULT_DATA_DIR)
    settings = load_layered(ServerSettings, directory, file_name=SETTINGS_FILE,
                            section="server", env_prefix="PRINTWARDEN_", overrides=overrides)
    stored = _load_or_create_secrets(directory)
    updates = {k: stored[k] for k in _SECRET_FIELDS if not getattr(settings, k)}
    return settings.model_copy(update=updates)

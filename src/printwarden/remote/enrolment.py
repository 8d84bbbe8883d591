"""A remote's enrolment on disk: ``remote.json`` in its data directory (0600, written
durably), holding central's URL, the remote's name and token, and central's card key."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from printwarden.core.durable_files import replace_durably
from printwarden.core.errors import ConfigurationError

FILE_NAME = "remote.json"


@dataclass(frozen=True)
class Enrolment:
    central: str
    remote_id: str
    name: str
    token: str
    card_hmac_key: str


def load(data_dir: Path) -> Enrolment | None:
    path = data_dir / FILE_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        return Enrolment(**{key: str(data[key]) for key in Enrolment.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"enrolment file {path} is unreadable ({exc}): remove it "
                                 "and enrol again with a new code") from exc


def save(data_dir: Path, enrolment: Enrolment) -> None:
    path = data_dir / FILE_NAME
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(enrolment), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    replace_durably(temporary, path)

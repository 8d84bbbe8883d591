"""The terminal's identity on disk: ``terminal.json`` in its data directory (0600, the
directory 0700) holding the server URL, terminal id, token and bound device."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from printwarden.core.private_files import create_private_file, make_private_dir

FILE_NAME = "terminal.json"


@dataclass(frozen=True)
class Identity:
    server: str
    terminal_id: str
    token: str
    device_id: str
    device_name: str


def load(data_dir: Path) -> Identity | None:
    path = data_dir / FILE_NAME
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return Identity(**{key: str(data[key]) for key in Identity.__dataclass_fields__})


def save(data_dir: Path, identity: Identity) -> None:
    make_private_dir(data_dir)
    path = data_dir / FILE_NAME
    create_private_file(path)
    path.write_text(json.dumps(asdict(identity), indent=2))

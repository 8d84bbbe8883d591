"""The pop-up's sign-in on disk: ``popup.json`` in the OS user's config directory (the file
0600, the directory 0700) with the server URL, the user token, who it is for and the notice
cursor.

The token is bound to the OS user it was made for in two ways: the server names it
``popup: OS_USER@HOST`` (so a person sees it in their token list and revokes it), and the
file records ``os_user``; ``load`` refuses a file made for another OS user (a copied file,
a shared home directory) and the pop-up signs in again. The file's permissions keep other
OS users out (on Windows, the profile's ACLs); the token is a bearer secret to anyone who
can read it as this OS user.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from printwarden.core.private_files import create_private_file, make_private_dir

FILE_NAME = "popup.json"
APP_DIR = "printwarden-popup"


@dataclass(frozen=True)
class Identity:
    server: str
    token: str
    user_id: str
    username: str
    os_user: str
    #: The id of the last notice shown: the channel's ``?after=`` (0: none yet).
    notice_cursor: int = 0


def os_user() -> str:
    """The desktop account this process runs as."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry / no USERNAME: an id is still an id
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def default_config_dir() -> Path:
    """Per OS user: %APPDATA% on Windows, ~/Library/Application Support on macOS,
    $XDG_CONFIG_HOME (or ~/.config) elsewhere."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / APP_DIR


class IdentityError(Exception):
    """The stored sign-in cannot be used (unreadable, or made for another OS user)."""


def load(config_dir: Path, server: str) -> Identity | None:
    """The stored sign-in for ``server``, or None when there is none (or it is for another
    server). IdentityError when it was made for another OS user or is unreadable."""
    path = config_dir / FILE_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = Identity(server=str(data["server"]), token=str(data["token"]),
                         user_id=str(data["user_id"]), username=str(data["username"]),
                         os_user=str(data["os_user"]),
                         notice_cursor=int(data.get("notice_cursor", 0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IdentityError(f"{path} is unreadable ({exc}); sign in again") from exc
    if found.os_user != os_user():
        raise IdentityError(f"{path} was made for OS user {found.os_user!r}, not "
                            f"{os_user()!r}; sign in again")
    return found if found.server.rstrip("/") == server.rstrip("/") else None


def save(config_dir: Path, identity: Identity) -> None:
    """Write atomically: a crash leaves the old file or the new one, both 0600."""
    make_private_dir(config_dir)
    path = config_dir / FILE_NAME
    temporary = path.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    create_private_file(temporary)
    temporary.write_text(json.dumps(asdict(identity), indent=2), encoding="utf-8")
    os.replace(temporary, path)


def with_cursor(identity: Identity, cursor: int) -> Identity:
    return replace(identity, notice_cursor=max(identity.notice_cursor, cursor))


def forget(config_dir: Path) -> None:
    """Delete the stored sign-in (the token was revoked)."""
    with contextlib.suppress(FileNotFoundError):
        (config_dir / FILE_NAME).unlink()

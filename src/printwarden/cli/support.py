"""What every ``printwarden`` command shares: one-line errors and the server's settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from printwarden.core.errors import PrintwardenError

T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", "-d", help="Data directory (env PRINTWARDEN_DATA_DIR; "
                 "default ./printwarden-data).", show_default=False),
]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"printwarden: error: {message}", err=True)
    raise typer.Exit(code)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; a configuration, database or domain error becomes one clear line."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    try:
        return action()
    except PrintwardenError as exc:
        fail(exc.message)
    except (OperationalError, DatabaseError) as exc:
        detail = str(getattr(exc, "orig", exc)).splitlines()[0]
        fail(f"database unusable: {detail}")
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))


def server_settings(data_dir: Path | None, **overrides: Any) -> Any:
    from printwarden.core.settings import load_server_settings

    return guarded(lambda: load_server_settings(data_dir, **overrides))

"""What every ``printwarden`` command shares: one-line errors and the server's settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from printwarden.core.errors import PrintwardenError

if TYPE_CHECKING:
    from printwarden.container import ServerContainer

T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", "-d", help="Data directory (env PRINTWARDEN_DATA_DIR; "
                 "default ./printwarden-data).", show_default=False),
]


class AsciiNumber:
    """A parser of options that are numbers: an integer (or a decimal number) written in
    ASCII digits only, within bounds.

    click's own INT and FLOAT accept every script's digits (Arabic-Indic or full-width
    five is 5): a number a person types into printwarden is ASCII, as everywhere else
    (docs/security.md)."""

    _INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
    _DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})")

    def __init__(self, kind: type[int] | type[float] = int, minimum: float | None = None,
                 maximum: float | None = None) -> None:
        self.kind = kind
        self.minimum = minimum
        self.maximum = maximum
        self.__name__ = "INTEGER" if kind is int else "NUMBER"  # typer's metavar

    def __call__(self, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float = value
        else:
            text = str(value).strip()
            pattern = self._INTEGER if self.kind is int else self._DECIMAL
            if not pattern.fullmatch(text):
                what = "an integer" if self.kind is int else "a number"
                raise typer.BadParameter(f"{value!r} is not {what} written in ASCII digits")
            number = self.kind(text)
        if self.minimum is not None and number < self.minimum:
            raise typer.BadParameter(f"{value} is below the minimum {self.minimum:g}")
        if self.maximum is not None and number > self.maximum:
            raise typer.BadParameter(f"{value} is above the maximum {self.maximum:g}")
        return number


#: Option types for numbers people type: ASCII digits only.
ASCII_INT = AsciiNumber(int)
POSITIVE_INT = AsciiNumber(int, minimum=1)
PORT = AsciiNumber(int, minimum=1, maximum=65535)
SECONDS = AsciiNumber(float, minimum=0)


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


def central_settings(data_dir: Path | None, **overrides: Any) -> Any:
    """The server's settings on DATA_DIR, refusing a remote site server's data directory
    (it holds ``remote.json``): its database is central's replica, run by ``printwarden
    remote``. A server or an admin command there would write replicated rows central never
    hears of, and post ledger entries as central's, outside the remote's outbox."""
    from printwarden.remote.enrolment import FILE_NAME

    settings = server_settings(data_dir, **overrides)
    if (settings.data_dir / FILE_NAME).exists():
        fail(f"{settings.data_dir} is a remote site server's data directory: run "
             "'printwarden remote' there, and 'printwarden admin' at central (the remote "
             "has central's data by replication)")
    return settings


def central_container(data_dir: Path | None) -> ServerContainer:
    """The central server's wiring on DATA_DIR, for a command (``central_settings``)."""
    from printwarden.server.bootstrap import build_server

    settings = central_settings(data_dir)
    return guarded(lambda: build_server(settings))

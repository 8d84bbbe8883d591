"""The CSV of a user import: its columns, parsing, and the checks a line passes before
any database work (``checked_line``).

Header (required, any order, case-insensitive): ``username`` plus any of ``full_name``,
``email``, ``department``, ``groups`` (``;``-separated, created when missing), ``card``,
``pin`` (the user's PIN: 4-8 digits, goes with his card or username, need not be
unique), ``id_number`` (an ID number the admin chose: ``id_number_length`` to 18 digits,
unique) and ``roles`` (``;`` or ``,``-separated). Empty cells leave an existing user's
value as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from printwarden.accounts.model import (
    normalise_card,
    normalise_roles,
    username_key,
    validate_group_name,
    validate_id_number,
    validate_pin,
    validate_profile,
    validate_username,
)
from printwarden.core.errors import ValidationError

CSV_COLUMNS = ("username", "full_name", "email", "department", "groups", "card", "pin",
               "id_number", "roles")
PROFILE_COLUMNS = ("full_name", "email", "department")
#: ``progress(lines done, lines in all)``, called after each committed chunk.
Progress = Callable[[int, int], None]


def read_csv_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each non-blank data line; the header is checked first.

    The whole text is parsed before any line is applied: a file that is not CSV (an
    unclosed quote, a field over the csv module's 128 KiB limit) is refused as a whole
    with the line where parsing stopped, and nothing is imported.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return list(_rows(reader))
    except csv.Error as exc:
        raise ValidationError(f"the CSV is malformed at line {reader.line_num}: {exc}; "
                              "nothing was imported") from exc


def _rows(reader: Any) -> Iterator[tuple[int, dict[str, str]]]:
    header = [name.strip().lower() for name in next(reader, [])]
    if "username" not in header:
        raise ValidationError("the CSV needs a header line with at least a 'username' column")
    unknown = sorted(set(header) - set(CSV_COLUMNS) - {""})
    if unknown:
        raise ValidationError(f"unknown CSV column(s): {', '.join(unknown)}; "
                              f"known: {', '.join(CSV_COLUMNS)}")
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        yield reader.line_num, values


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]


@dataclass(frozen=True)
class ImportLine:
    """A line that passed every check that needs no database."""

    line: int
    username: str
    profile: dict[str, str]
    roles: frozenset[str] | None
    groups: tuple[str, ...]
    card: str | None
    pin: str | None
    id_number: str | None

    @property
    def key(self) -> str:
        return username_key(self.username)


def checked_line(number: int, row: dict[str, str], *, id_number_length: int) -> ImportLine:
    """The line ``number`` checked and normalised, or ValidationError."""
    username = validate_username(row.get("username", ""))
    validate_profile(**{column: row.get(column) for column in PROFILE_COLUMNS})
    return ImportLine(
        line=number, username=username,
        profile={column: row[column] for column in PROFILE_COLUMNS if row.get(column)},
        roles=normalise_roles(_split(row["roles"])) if row.get("roles") else None,
        groups=tuple(dict.fromkeys(validate_group_name(name)
                                   for name in _split(row.get("groups", "")))),
        card=normalise_card(row["card"]) if row.get("card") else None,
        pin=validate_pin(row["pin"]) if row.get("pin") else None,
        id_number=validate_id_number(row["id_number"], min_length=id_number_length)
        if row.get("id_number") else None)


@dataclass(frozen=True)
class LineOutcome:
    line: int
    #: ``created``, ``updated``, ``skipped`` or ``error``
    kind: str
    message: str = ""
    generated: tuple[str, str] | None = None  # (username, ID number)


@dataclass(frozen=True)
class ImportOptions:
    actor: str
    update_existing: bool
    generate_id_numbers: bool

"""Import users from CSV: lines are applied ``CHUNK`` to a transaction, each line in a
savepoint of its own, so a bad line never blocks the others and 20,000 lines cost 40
commits, not 20,000.

Header (required, any order, case-insensitive): ``username`` plus any of ``full_name``,
``email``, ``department``, ``groups`` (``;``-separated, created when missing), ``card``,
``pin`` (the user's PIN: 4-8 digits, goes with his card or username, need not be
unique), ``id_number`` (an ID number the admin chose: ``id_number_length`` to 18 digits,
unique) and ``roles`` (``;`` or ``,``-separated). Empty cells leave an existing user's
value as it is.

With ``generate_id_numbers`` every user of the file who has no ID number and no
``id_number`` cell gets a generated one, listed in the report (``id_numbers``): the only
time those numbers exist in clear. When the numbers allowed at ``id_number_length`` would
not cover them, the whole import is refused before any line is applied.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.accounts import group_store, store
from printwarden.accounts.groups import CardsAndGroupsMixin
from printwarden.accounts.model import (
    Group,
    ImportReport,
    User,
    check_id_number_room,
    normalise_card,
    normalise_roles,
    username_key,
    validate_group_name,
    validate_id_number,
    validate_pin,
    validate_profile,
    validate_username,
)
from printwarden.core.errors import PrintwardenError, ValidationError
from printwarden.core.ids import new_id

CSV_COLUMNS = ("username", "full_name", "email", "department", "groups", "card", "pin",
               "id_number", "roles")
#: Lines per transaction.
CHUNK = 500
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


class CsvImportMixin(CardsAndGroupsMixin):
    def import_users_csv(self, text: str, *, actor: str, update_existing: bool = True,
                         generate_id_numbers: bool = False,
                         progress: Progress | None = None) -> ImportReport:
        rows = read_csv_rows(text)
        report = ImportReport()
        lines: list[ImportLine] = []
        for number, row in rows:
            try:
                lines.append(self._checked_line(number, row))
            except PrintwardenError as exc:
                report.errors.append((number, exc.message))
        options = ImportOptions(actor, update_existing, generate_id_numbers)
        if generate_id_numbers:
            self._check_room_for_generated(lines, update_existing)
        done = len(rows) - len(lines)
        for start in range(0, len(lines), CHUNK):
            chunk = lines[start:start + CHUNK]
            for outcome in self._db.write(self._chunk_work(chunk, options)):
                self._count(report, outcome)
            done += len(chunk)
            if progress is not None:
                progress(done, len(rows))
        report.errors.sort()
        return report

    @staticmethod
    def _count(report: ImportReport, outcome: LineOutcome) -> None:
        if outcome.kind == "error":
            report.errors.append((outcome.line, outcome.message))
            return
        setattr(report, outcome.kind, getattr(report, outcome.kind) + 1)
        if outcome.generated is not None:
            report.id_numbers.append((outcome.line, *outcome.generated))

    def _checked_line(self, number: int, row: dict[str, str]) -> ImportLine:
        username = validate_username(row.get("username", ""))
        validate_profile(**{column: row.get(column) for column in PROFILE_COLUMNS})
        return ImportLine(
            line=number, username=username,
            profile={column: row[column] for column in PROFILE_COLUMNS if row.get(column)},
            roles=normalise_roles(_split(row["roles"])) if row.get("roles") else None,
            groups=tuple(validate_group_name(name) for name in _split(row.get("groups", ""))),
            card=normalise_card(row["card"]) if row.get("card") else None,
            pin=validate_pin(row["pin"]) if row.get("pin") else None,
            id_number=validate_id_number(row["id_number"], min_length=self.id_number_length)
            if row.get("id_number") else None)

    def _check_room_for_generated(self, lines: list[ImportLine], update_existing: bool) -> None:
        """Refuse the whole import when the numbers to generate would not fit."""
        def read(conn: Connection) -> tuple[int, dict[str, bool]]:
            return store.count_id_numbers(conn), store.id_number_holders_by_key(conn)

        assigned, holders = self._db.read(read)
        wanted = {line.key for line in lines if line.id_number is None and (
            line.key not in holders or (update_existing and not holders[line.key]))}
        check_id_number_room(assigned, self.id_number_length, adding=len(wanted))

    def _chunk_work(self, chunk: list[ImportLine],
                    options: ImportOptions) -> Callable[[Connection], list[LineOutcome]]:
        return lambda conn: self._import_chunk(conn, chunk, options)

    def _import_chunk(self, conn: Connection, chunk: list[ImportLine],
                      options: ImportOptions) -> list[LineOutcome]:
        assigned: int | None = None
        if options.generate_id_numbers or any(line.id_number for line in chunk):
            store.lock_id_numbers(conn)
            assigned = store.count_id_numbers(conn)
        outcomes = []
        for line in chunk:
            try:
                with conn.begin_nested():
                    outcome, added = self._import_line(conn, line, options, assigned)
            except PrintwardenError as exc:
                outcomes.append(LineOutcome(line.line, "error", exc.message))
                continue
            except IntegrityError:
                outcomes.append(LineOutcome(line.line, "error",
                                            "card, ID number or name already in use"))
                continue
            if assigned is not None:
                assigned += added
            outcomes.append(outcome)
        return outcomes

    def _import_line(self, conn: Connection, line: ImportLine, options: ImportOptions,
                     assigned: int | None) -> tuple[LineOutcome, int]:
        """Apply one checked line; its outcome and how many ID numbers it added."""
        actor = options.actor
        user = store.load_user_by_key(conn, line.key)
        if user is not None and not options.update_existing:
            return LineOutcome(line.line, "skipped"), 0
        kind = "updated" if user is not None else "created"
        if user is None:
            user_id = new_id()
            pin_hash = self._keys.user_pin(user_id, line.pin) if line.pin else None
            user = self.create_user_in(conn, User(
                id=user_id, username=line.username, full_name=line.profile.get("full_name", ""),
                email=line.profile.get("email", ""),
                department=line.profile.get("department", ""),
                roles=line.roles or frozenset({"user"}), active=True,
                created_at=self._clock.now()), None, pin_hash, actor=actor)
        else:
            changes: dict[str, object] = dict(line.profile)
            if line.roles is not None:
                changes["roles"] = store.roles_text(line.roles)
            self.update_user_in(conn, user.id, changes, actor=actor)
            if line.pin is not None:
                self.set_pin_in(conn, user.id, line.pin, actor=actor)
        self._import_card(conn, user.id, line.card, actor=actor)
        for name in line.groups:
            group = self._group_named(conn, name, actor=actor)
            self.add_member_in(conn, group.id, user.id, actor=actor)
        if assigned is None:
            return LineOutcome(line.line, kind), 0
        others = assigned - (1 if user.has_id_number else 0)
        if line.id_number is not None:
            self.set_id_number_in(conn, user.id, line.id_number, actor=actor, assigned=others)
            return LineOutcome(line.line, kind), others + 1 - assigned
        if options.generate_id_numbers and not user.has_id_number:
            number = self.generate_id_number_in(conn, user.id, actor=actor, assigned=others)
            return LineOutcome(line.line, kind, generated=(user.username, number)), 1
        return LineOutcome(line.line, kind), 0

    def _import_card(self, conn: Connection, user_id: str, card: str | None, *,
                     actor: str) -> None:
        if card is None:
            return
        existing = store.card_id_by_hash(conn, self._keys.card(card))
        if existing is not None and existing[1] == user_id:
            return  # already theirs: importing the same file twice changes nothing
        self.add_card_in(conn, user_id, card, actor=actor)

    def _group_named(self, conn: Connection, name: str, *, actor: str) -> Group:
        group = group_store.load_group_by_name(conn, name)
        if group is not None:
            return group
        return self.create_group_in(conn, Group(id=new_id(), name=name, description="",
                                                created_at=self._clock.now()), actor=actor)

"""Import users from CSV: one transaction per line, so a bad line never blocks the others.

Header (required, any order, case-insensitive): ``username`` plus any of ``full_name``,
``email``, ``department``, ``groups`` (``;``-separated, created when missing), ``card``,
``pin``, ``roles`` (``;`` or ``,``-separated). Empty cells leave an existing user's value
as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.accounts import group_store, store
from printwarden.accounts.groups import CardsAndGroupsMixin
from printwarden.accounts.model import (
    Group,
    ImportReport,
    User,
    normalise_card,
    normalise_roles,
    username_key,
    validate_group_name,
    validate_pin,
    validate_profile,
    validate_username,
)
from printwarden.core.errors import PrintwardenError, ValidationError
from printwarden.core.ids import new_id

CSV_COLUMNS = ("username", "full_name", "email", "department", "groups", "card", "pin", "roles")


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


class CsvImportMixin(CardsAndGroupsMixin):
    def import_users_csv(self, text: str, *, actor: str,
                         update_existing: bool = True) -> ImportReport:
        report = ImportReport()
        for line, row in read_csv_rows(text):
            try:
                outcome = self._import_row(row, actor=actor, update_existing=update_existing)
            except PrintwardenError as exc:
                report.errors.append((line, exc.message))
                continue
            except IntegrityError:
                report.errors.append((line, "card, print code or name already in use"))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _import_row(self, row: dict[str, str], *, actor: str, update_existing: bool) -> str:
        """Validate ``row`` fully, then apply it in one transaction; the outcome's field name."""
        username = validate_username(row.get("username", ""))
        validate_profile(**{column: row.get(column) for column in
                            ("full_name", "email", "department")})
        roles = normalise_roles(_split(row["roles"])) if row.get("roles") else None
        groups = [validate_group_name(name) for name in _split(row.get("groups", ""))]
        card = normalise_card(row["card"]) if row.get("card") else None
        pin_hash = self._keys.pin(validate_pin(row["pin"])) if row.get("pin") else None

        def work(conn: Connection) -> str:
            user = store.load_user_by_key(conn, username_key(username))
            if user is not None and not update_existing:
                return "skipped"
            outcome = "updated" if user is not None else "created"
            if user is None:
                user = self.create_user_in(conn, User(
                    id=new_id(), username=username, full_name=row.get("full_name", ""),
                    email=row.get("email", ""), department=row.get("department", ""),
                    roles=roles or frozenset({"user"}), active=True,
                    created_at=self._clock.now()), None, pin_hash, actor=actor)
            else:
                changes: dict[str, object] = {
                    column: row[column] for column in ("full_name", "email", "department")
                    if row.get(column)}
                if roles is not None:
                    changes["roles"] = store.roles_text(roles)
                self.update_user_in(conn, user.id, changes, actor=actor)
                if pin_hash is not None:
                    self.set_pin_in(conn, user.id, pin_hash, actor=actor)
            self._import_card(conn, user.id, card, actor=actor)
            for name in groups:
                group = self._group_named(conn, name, actor=actor)
                self.add_member_in(conn, group.id, user.id, actor=actor)
            return outcome

        return self._db.write(work)

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

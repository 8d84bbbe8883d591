"""Rows <-> terminal model."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.release.tables import terminal_codes, terminals
from printwarden.release.terminal_model import Terminal, TerminalCode


def terminal_from_row(row: RowMapping) -> Terminal:
    return Terminal(id=row["id"], device_id=row["device_id"], hostname=row["hostname"],
                    version=row["version"], enrolled_at=row["enrolled_at"],
                    last_seen_at=row["last_seen_at"], status=row["status"])


def code_from_row(row: RowMapping) -> TerminalCode:
    return TerminalCode(id=row["id"], device_id=row["device_id"],
                        created_at=row["created_at"], expires_at=row["expires_at"],
                        created_by=row["created_by"], used_at=row["used_at"],
                        used_by_terminal_id=row["used_by_terminal_id"])


def get_terminal(conn: Connection, terminal_id: str) -> Terminal:
    row = conn.execute(sa.select(terminals).where(terminals.c.id == terminal_id)
                       ).mappings().first()
    if row is None:
        raise NotFoundError(f"no terminal with id {terminal_id}")
    return terminal_from_row(row)


def find_terminal_by(conn: Connection, column: sa.Column[str], value: str) -> Terminal | None:
    row = conn.execute(sa.select(terminals).where(column == value)).mappings().first()
    return terminal_from_row(row) if row else None


def list_terminals(conn: Connection) -> list[Terminal]:
    rows = conn.execute(sa.select(terminals).order_by(terminals.c.enrolled_at)).mappings()
    return [terminal_from_row(row) for row in rows]


def list_codes(conn: Connection) -> list[TerminalCode]:
    rows = conn.execute(sa.select(terminal_codes).order_by(terminal_codes.c.created_at)
                        ).mappings()
    return [code_from_row(row) for row in rows]

"""Rows of replicated tables as JSON and back, by the column types of the table.

Central encodes what it reads (instants and dates as ISO 8601 text, JSON columns as they
are); the remote decodes by its own table definitions, refusing what does not fit (an
unknown table or column, a value of the wrong kind) with ``SyncProtocolError`` instead of
writing it: central and remote must run the same schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from printwarden.core.errors import PrintwardenError
from printwarden.db.types import UtcDateTime
from printwarden.sync.replicated import Replicated


class SyncProtocolError(PrintwardenError):
    """What central sent cannot be applied here (schema or version skew, a broken answer)."""

    code = "sync_protocol"


def encode_row(declared: Replicated, row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _encode(row[name]) for name in declared.column_names}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def decode_row(declared: Replicated, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SyncProtocolError(f"a row of {declared.name} is not an object")
    columns = declared.columns
    try:
        return {name: _decode(columns[name], value) for name, value in data.items()}
    except KeyError as exc:
        raise SyncProtocolError(f"{declared.name} has no column {exc.args[0]!r} here: "
                                "run the same printwarden version as central") from None



def decode_key(declared: Replicated, text_or_list: Any) -> dict[str, Any]:
    """A primary key: the JSON array a trigger wrote (or its parsed list) as column values."""
    values = json.loads(text_or_list) if isinstance(text_or_list, str) else text_or_list
    keys = declared.key_names
    if not isinstance(values, list) or len(values) != len(keys):
        raise SyncProtocolError(f"a key of {declared.name} is not a list of {len(keys)}")
    return {name: _decode(declared.table.c[name], value) for name, value in zip(keys, values,
                                                                               strict=True)}


def _decode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    try:
        if isinstance(kind, UtcDateTime):
            return datetime.fromisoformat(str(value))
        if isinstance(kind, sa.Date):
            return date.fromisoformat(str(value))
    except ValueError as exc:
        raise SyncProtocolError(f"{column.table.name}.{column.name}: {exc}") from exc
    if isinstance(kind, sa.JSON):
        return value
    if isinstance(kind, sa.Boolean):
        return _checked(column, value, bool)
    if isinstance(kind, sa.Integer):
        if isinstance(value, bool):
            raise SyncProtocolError(f"{column.table.name}.{column.name} is not an integer")
        return _checked(column, value, int)
    return _checked(column, value, str)


def _checked(column: sa.Column[Any], value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise SyncProtocolError(f"{column.table.name}.{column.name} is not a {kind.__name__}")
    return value

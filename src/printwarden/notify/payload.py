"""Event data made safe to queue: JSON-able, each string capped, the whole bounded.

Producers pass what they know (ids, titles, amounts); a title of a megabyte or a nested
structure nobody bounded must not fill the outbox or a receiver's memory. Values that are
not JSON become their ``str``; strings are cut at ``MAX_STRING_CHARS``; a result still
larger than ``MAX_DATA_BYTES`` keeps only its scalar values, then only ``truncated``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

MAX_STRING_CHARS = 2000
MAX_DATA_BYTES = 32 * 1024
_MAX_DEPTH = 5
_MAX_ITEMS = 200


def _clean(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | float):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
            return str(value)[:40]
        return value
    if isinstance(value, str):
        return value[:MAX_STRING_CHARS]
    if isinstance(value, datetime):
        return value.isoformat()
    if depth >= _MAX_DEPTH:
        return str(value)[:MAX_STRING_CHARS]
    if isinstance(value, Mapping):
        items = list(value.items())[:_MAX_ITEMS]
        return {str(k)[:100]: _clean(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in list(value)[:_MAX_ITEMS]]
    return str(value)[:MAX_STRING_CHARS]


def bounded(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = _clean(data, 0)
    if len(json.dumps(cleaned, ensure_ascii=False)) <= MAX_DATA_BYTES:
        return cleaned
    scalars = {k: (v[:200] if isinstance(v, str) else v) for k, v in cleaned.items()
               if not isinstance(v, dict | list)}
    scalars["truncated"] = True
    if len(json.dumps(scalars, ensure_ascii=False)) <= MAX_DATA_BYTES:
        return scalars
    return {"truncated": True}

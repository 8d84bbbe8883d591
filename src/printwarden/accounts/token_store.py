"""Rows <-> model: API tokens (only their sha256 digest is stored)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.accounts.model import ApiToken
from printwarden.accounts.tables import api_tokens


def token_from_row(row: RowMapping) -> ApiToken:
    return ApiToken(id=row["id"], user_id=row["user_id"], name=row["name"],
                    created_at=row["created_at"], last_used_at=row["last_used_at"],
                    revoked_at=row["revoked_at"])


def insert_token(conn: Connection, token: ApiToken, token_hash: str) -> None:
    conn.execute(api_tokens.insert().values(
        id=token.id, user_id=token.user_id, name=token.name, token_hash=token_hash,
        created_at=token.created_at, last_used_at=None, revoked_at=None,
    ))


def load_token(conn: Connection, token_id: str) -> ApiToken | None:
    row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)
                       ).mappings().first()
    return token_from_row(row) if row else None


def load_token_by_hash(conn: Connection, token_hash: str) -> ApiToken | None:
    row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)
                       ).mappings().first()
    return token_from_row(row) if row else None


def tokens_of(conn: Connection, user_id: str) -> list[ApiToken]:
    rows = conn.execute(sa.select(api_tokens).where(api_tokens.c.user_id == user_id)
                        .order_by(api_tokens.c.created_at, api_tokens.c.id)).mappings()
    return [token_from_row(row) for row in rows]


def set_token_times(conn: Connection, token_id: str, **times: datetime) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(**times))

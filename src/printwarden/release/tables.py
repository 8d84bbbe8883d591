"""Release tables: terminals (one per device) and their one-time enrolment codes."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

#: A terminal is bound to one device (``device_id`` unique): enrolling again at a device
#: rotates that terminal's token, so a device never has two live terminals.
terminals = sa.Table(
    "terminals",
    metadata,
    id_column(primary_key=True),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"),
              nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hostname", sa.String(255), nullable=False),
    sa.Column("version", sa.String(50), nullable=False),
    sa.Column("enrolled_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
)

terminal_codes = sa.Table(
    "terminal_codes",
    metadata,
    id_column(primary_key=True),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"),
              nullable=False, index=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Column("used_by_terminal_id", sa.String(ID_LENGTH), sa.ForeignKey("terminals.id"),
              nullable=True),
)

#: A user signed in at a terminal. ``ended_at`` set: signed out or idle. A copy session
#: lives on the same row: ``copy_reservation_id`` is what was reserved at copy open,
#: settled once at close (idempotency key ``copy:SESSION``).
terminal_sessions = sa.Table(
    "terminal_sessions",
    metadata,
    id_column(primary_key=True),
    sa.Column("terminal_id", sa.String(ID_LENGTH), sa.ForeignKey("terminals.id"),
              nullable=False, index=True),
    sa.Column("device_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("user_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Column("end_reason", sa.String(40), nullable=True),
    sa.Column("copy_state", sa.String(10), nullable=False),  # none | open | closed
    sa.Column("copy_reservation_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("copy_price_list_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("copy_limit_minor", sa.BigInteger(), nullable=True),
    sa.Column("copy_cost_minor", sa.BigInteger(), nullable=False),
    sa.Column("copy_charged_minor", sa.BigInteger(), nullable=True),
    sa.Column("copy_last_seq", sa.Integer(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
)

#: One copy/scan count report; ``seq`` per session makes a repeated report harmless.
copy_reports = sa.Table(
    "copy_reports",
    metadata,
    sa.Column("session_id", sa.String(ID_LENGTH), sa.ForeignKey("terminal_sessions.id"),
              primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("pages", sa.Integer(), nullable=False),
    sa.Column("color_pages", sa.Integer(), nullable=False),
    sa.Column("media", sa.String(100), nullable=False),
    sa.Column("duplex", sa.Boolean(), nullable=False),
    sa.Column("cost_minor", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: A copy session opened at a kiosk for a device counted by SNMP. ``open_device_id`` is
#: the device while the session is open and NULL once it is closed: its UNIQUE constraint
#: keeps at most one open session per device, whatever the number of concurrent starts.
#: ``state``: open -> charged | flagged; a flagged session charged nothing and waits for
#: an operator (``flag_reason``, ``flag_detail``). Readings: ``start_*`` at open,
#: ``end_*`` at close (NULL: the device did not answer).
kiosk_copy_sessions = sa.Table(
    "kiosk_copy_sessions",
    metadata,
    id_column(primary_key=True),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"),
              nullable=False, index=True),
    sa.Column("open_device_id", sa.String(ID_LENGTH), nullable=True, unique=True),
    sa.Column("user_id", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("state", sa.String(10), nullable=False, index=True),
    sa.Column("profile", sa.String(40), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("close_reason", sa.String(20), nullable=True),
    sa.Column("reservation_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("price_list_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("limit_minor", sa.BigInteger(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("start_total", sa.BigInteger(), nullable=False),
    sa.Column("start_mono", sa.BigInteger(), nullable=True),
    sa.Column("start_colour", sa.BigInteger(), nullable=True),
    sa.Column("start_uptime", sa.BigInteger(), nullable=False),
    sa.Column("start_read_at", UtcDateTime(), nullable=False),
    sa.Column("end_total", sa.BigInteger(), nullable=True),
    sa.Column("end_mono", sa.BigInteger(), nullable=True),
    sa.Column("end_colour", sa.BigInteger(), nullable=True),
    sa.Column("end_uptime", sa.BigInteger(), nullable=True),
    sa.Column("end_read_at", UtcDateTime(), nullable=True),
    sa.Column("released_mono", sa.Integer(), nullable=True),
    sa.Column("released_colour", sa.Integer(), nullable=True),
    sa.Column("mono_pages", sa.Integer(), nullable=True),
    sa.Column("colour_pages", sa.Integer(), nullable=True),
    sa.Column("charged_minor", sa.BigInteger(), nullable=True),
    sa.Column("flag_reason", sa.String(40), nullable=True),
    sa.Column("flag_detail", sa.String(500), nullable=True),
)

#: The answer a terminal got for a request it sent with an ``Idempotency-Key``: the same
#: key again (a retry on another server after a lost answer) gets the same answer instead
#: of doing the request twice. ``request_hash`` (SHA-256 of method, path and body) tells a
#: retry from another request under a reused key. Kept a day (``TerminalAnswers.sweep``).
terminal_request_keys = sa.Table(
    "terminal_request_keys",
    metadata,
    sa.Column("terminal_id", sa.String(ID_LENGTH), sa.ForeignKey("terminals.id"),
              primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("answer", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
)

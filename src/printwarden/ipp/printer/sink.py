"""Where a printer's documents go: the ``JobSink`` port and a sink that keeps nothing.

The agent plugs its durable spool in here; the virtual printer plugs ``DirectorySink``.
A sink must have stored the document durably when ``receive`` returns: the printer
answers successful-ok only after that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

__all__ = ["DocumentTicket", "JobSink", "NullSink", "StoredDocument"]


@dataclass(frozen=True, slots=True)
class DocumentTicket:
    """What a sink knows about the document it receives."""

    job_id: int
    job_name: str
    user: str
    document_name: str
    document_format: str
    document_number: int = 1


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """``octets`` stored; ``impressions`` counted if the sink could (0 when unknown)."""

    octets: int
    impressions: int = 0
    location: str = ""


class JobSink(Protocol):
    async def receive(self, ticket: DocumentTicket,
                      chunks: AsyncIterator[bytes]) -> StoredDocument:
        """Consume every chunk and store the document; raise to refuse it (nothing kept)."""
        ...


class NullSink:
    """Counts the octets and keeps nothing (tests, benchmarks)."""

    def __init__(self) -> None:
        self.received: list[tuple[DocumentTicket, int]] = []

    async def receive(self, ticket: DocumentTicket,
                      chunks: AsyncIterator[bytes]) -> StoredDocument:
        octets = 0
        async for chunk in chunks:
            octets += len(chunk)
        self.received.append((ticket, octets))
        return StoredDocument(octets)

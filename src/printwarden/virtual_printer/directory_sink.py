"""``DirectorySink``: each document becomes ``DIR/<job-id>-<safe-name>.<ext>`` (mode 0600;
the second and later documents of a job ``DIR/<job-id>-<number>-<safe-name>.<ext>``),
written to a temporary file beside DIR, fsynced and renamed into place (DIR only ever
holds whole documents). PDF pages are counted with
pypdf (an independent reader, not printwarden's analyser), so a test can compare what a
printer received with what was charged."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

from printwarden.core.durable_files import replace_durably
from printwarden.documents.detect import sniff_mime
from printwarden.ipp.printer.sink import DocumentTicket, StoredDocument

__all__ = ["DirectorySink", "count_pdf_pages", "extension_for", "safe_name"]

_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/pwg-raster": "pwg",
    "image/urf": "urf",
    "image/jpeg": "jpg",
    "application/postscript": "ps",
}


def extension_for(document_format: str, head: bytes) -> str:
    """The file extension: from the format, or from the content's own format."""
    return (_EXTENSIONS.get(document_format) or _EXTENSIONS.get(sniff_mime(head))
            or "bin")


def safe_name(name: str, limit: int = 64) -> str:
    """A file-name part made of ``[A-Za-z0-9._-]`` without a leading dot or an extension."""
    stem = name.rsplit("/", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:limit]
    return cleaned or "document"


def count_pdf_pages(path: Path) -> int:
    """Pages of a PDF, 0 if pypdf cannot read it."""
    try:
        from pypdf import PdfReader

        return len(PdfReader(path).pages)
    except Exception:
        return 0


def _unused(directory: Path, base: str, extension: str) -> Path:
    """``DIR/base.ext``, or ``DIR/base.N.ext`` if taken: a printer that restarted counts its
    job ids from 1 again, and no received document is ever overwritten."""
    candidate = directory / f"{base}.{extension}"
    number = 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{base}.{number}.{extension}"
    return candidate


_HEAD = 1024


async def _write_all(fd: int, chunks: AsyncIterator[bytes]) -> tuple[int, bytes]:
    """Write every chunk to ``fd`` and fsync it; returns (octets, first octets)."""
    head = b""
    octets = 0
    async for chunk in chunks:
        if len(head) < _HEAD:
            head += chunk[:_HEAD]
        octets += len(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]
    await asyncio.to_thread(os.fsync, fd)
    return octets, head


def _incoming_for(directory: Path) -> Path:
    """Where documents are written before they are complete: a sibling directory, so that
    ``directory`` only ever holds whole documents (whoever watches it never reads one half
    written); ``directory`` itself when its parent is not writable."""
    incoming = directory.parent / f".{directory.name}.incoming"
    try:
        incoming.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return directory
    return incoming if incoming.stat().st_dev == directory.stat().st_dev else directory


class DirectorySink:
    """Stores each document in ``directory``; counts the pages of PDFs."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.incoming = _incoming_for(self.directory)

    async def receive(self, ticket: DocumentTicket,
                      chunks: AsyncIterator[bytes]) -> StoredDocument:
        number = "" if ticket.document_number == 1 else f"{ticket.document_number}-"
        base = f"{ticket.job_id}-{number}{safe_name(ticket.document_name or ticket.job_name)}"
        temporary = self.incoming / f".{base}.{os.getpid()}.part"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                octets, head = await _write_all(fd, chunks)
            finally:
                os.close(fd)
            final = _unused(self.directory, base, extension_for(ticket.document_format, head))
            await asyncio.to_thread(replace_durably, temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        pages = await asyncio.to_thread(count_pdf_pages, final) if final.suffix == ".pdf" else 0
        return StoredDocument(octets, pages, str(final))

"""Content sniffing: which page description language a file holds.

Only the first bytes are read. A PJL job header (``ESC %-12345X @PJL ...``) is looked
through: its ``ENTER LANGUAGE`` line, or what follows it, decides.
"""

from __future__ import annotations

import os
import re

HEAD_BYTES = 64 * 1024

MIME_FORMATS: dict[str, str | None] = {
    "application/pdf": "pdf",
    "application/postscript": "postscript",
    "image/pwg-raster": "pwg-raster",
    "image/urf": "urf",
    "application/vnd.hp-pcl": "pcl5",
    "application/vnd.hp-pclxl": "pclxl",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/tiff": "tiff",
    "text/plain": "text",
    "application/octet-stream": None,
}

#: Format name -> the MIME type a device is sent it as (the inverse of ``MIME_FORMATS``).
FORMAT_MIMES: dict[str, str] = {name: mime for mime, name in MIME_FORMATS.items() if name}
OCTET_STREAM = "application/octet-stream"

_UEL = b"\x1b%-12345X"
_ENTER = re.compile(rb"@PJL\s+ENTER\s+LANGUAGE\s*=\s*([A-Za-z0-9]+)", re.IGNORECASE)
_PJL_LANGS = {
    "POSTSCRIPT": "postscript",
    "PCL": "pcl5",
    "PCLXL": "pclxl",
    "PDF": "pdf",
    "URF": "urf",
    "PWG": "pwg-raster",
}


_PJL_COPIES = re.compile(rb"@PJL\s+SET\s+(?:COPIES|QTY)\s*=\s*(\d{1,9})", re.IGNORECASE)


def pjl_copies(head: bytes) -> int:
    """The largest ``@PJL SET COPIES/QTY`` in a leading PJL header (1 when none): a
    printer makes that many copies of whatever language follows."""
    if not head.startswith((_UEL, b"@PJL")):
        return 1
    end = _ENTER.search(head)
    header = head[: end.end()] if end else head
    return max([1, *(int(m.group(1)) for m in _PJL_COPIES.finditer(header))])


def format_for_mime(mime: str | None) -> str | None:
    """The analyser format for an IPP ``document-format``; ``None`` means sniff the data.

    Parameters such as ``text/plain;charset=utf-8`` are ignored; unknown types sniff.
    """
    if not mime:
        return None
    return MIME_FORMATS.get(mime.split(";", 1)[0].strip().lower())


def mime_for_format(name: str | None) -> str:
    """The MIME type of an analyser format name; octet-stream when there is none."""
    return FORMAT_MIMES.get(name or "", OCTET_STREAM)


def sniff_mime(head: bytes) -> str:
    """The MIME type the first bytes of a document show (octet-stream if unknown)."""
    return mime_for_format(detect_bytes(head))


def detect_file(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return detect_bytes(f.read(HEAD_BYTES))


def read_head(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEAD_BYTES)


def _strip_pjl(head: bytes) -> tuple[bytes, str | None]:
    """Remove a leading UEL/PJL header; returns the rest and a language it names."""
    data = head
    lang: str | None = None
    while data.startswith(_UEL) or data.startswith(b"@PJL"):
        if data.startswith(_UEL):
            data = data[len(_UEL) :]
            continue
        end = data.find(b"\n")
        if end < 0:
            return b"", lang
        m = _ENTER.match(data[: end + 1])
        if m is not None:
            lang = _PJL_LANGS.get(m.group(1).decode("ascii").upper())
        data = data[end + 1 :]
        if m is not None:
            break
    return data, lang


def detect_bytes(head: bytes) -> str:
    """The format name for the first bytes of a document (see ``model.FORMATS``)."""
    if not head:
        return "unknown"
    data, lang = _strip_pjl(head)
    data = data.lstrip(b"\r\n")
    if data.startswith(b"\x04"):
        data = data[1:]
    if data.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if data.startswith(b"%!") or data.startswith(b"\xc5\xd0\xd3\xc6"):
        return "postscript"
    if data.startswith(b"RaS2"):
        return "pwg-raster"
    if data.startswith(b"UNIRAST\x00"):
        return "urf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if data.startswith((b") HP-PCL XL", b"( HP-PCL XL")):
        return "pclxl"
    if lang is not None:
        return lang
    if data.startswith(b"\x1b") and len(data) > 1 and 0x21 <= data[1] <= 0x7E:
        return "pcl5"
    if _looks_like_text(head):
        return "text"
    return "unknown"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    sample = head[:8192]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(sample) - 4:
            return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls <= len(sample) // 100

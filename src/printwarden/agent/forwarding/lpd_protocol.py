"""RFC 1179 (LPD) pieces, sans-I/O: commands, sub-commands and the control file.

Choices this project makes (RFC 1179 leaves them open):

- **Data file first, control file last** (as BSD lpr does): when the control file
  arrives the job is complete, so a server never sees a control file naming data it
  does not have yet.
- **Copies as repeated ``l`` lines**, one per copy (the RFC's own way, understood by
  every LPD); the non-standard ``#`` copies line of some servers is not sent.
- **``l`` (print leaving control characters)** for every format: the agent forwards
  binary page description languages (PDF, PostScript, PCL) that must pass untouched.
- No ``L`` line, so the server prints no banner page.
- The RFC's source-port rule (721-731, root only) is not followed: the agent does not
  run as root, and today's LPD servers (printers, CUPS, LPRng) do not require it.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

__all__ = ["ACK", "LpdJobFiles", "abort_job", "control_file", "lpd_job_files",
           "receive_control_file", "receive_data_file", "receive_job"]

ACK = b"\x00"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
_HOST_CHARS = re.compile(r"[^A-Za-z0-9.-]")


def _clean(value: str, limit: int) -> str:
    return _UNSAFE.sub("?", value)[:limit]


def receive_job(queue: str) -> bytes:
    """Command 02: receive a printer job for ``queue``."""
    if not queue or _UNSAFE.search(queue) or " " in queue:
        raise ValueError(f"LPD queue name {queue!r} is empty or has blanks/control characters")
    return b"\x02" + queue.encode("utf-8") + b"\n"


def receive_control_file(size: int, file_name: str) -> bytes:
    return f"\x02{size} {file_name}\n".encode("ascii")


def receive_data_file(size: int, file_name: str) -> bytes:
    return f"\x03{size} {file_name}\n".encode("ascii")


def abort_job() -> bytes:
    return b"\x01\n"


@dataclass(frozen=True)
class LpdJobFiles:
    number: int
    host: str
    data_name: str
    control_name: str


def lpd_job_files(job_id: str, host: str) -> LpdJobFiles:
    """File names ``dfA<nnn><host>`` / ``cfA<nnn><host>``, nnn derived from the job id."""
    number = zlib.crc32(job_id.encode("utf-8")) % 1000
    safe_host = _HOST_CHARS.sub("", host)[:31] or "printwarden"
    return LpdJobFiles(number, safe_host, f"dfA{number:03d}{safe_host}",
                       f"cfA{number:03d}{safe_host}")


def control_file(files: LpdJobFiles, *, user: str, title: str, copies: int,
                 job_class: str | None = None) -> bytes:
    """The control file: H, P, J, [C], N, one ``l`` line per copy, U."""
    if copies < 1:
        raise ValueError("copies must be at least 1")
    lines = [f"H{files.host}", f"P{_clean(user, 31) or 'nobody'}", f"J{_clean(title, 99)}"]
    if job_class:
        lines.append(f"C{_clean(job_class, 31)}")
    lines.append(f"N{_clean(title, 131)}")
    lines += [f"l{files.data_name}"] * copies
    lines.append(f"U{files.data_name}")
    return ("\n".join(lines) + "\n").encode("utf-8")

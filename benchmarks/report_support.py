"""What benchmark scripts share: the machine line of a report, and replacing one "## "
section of docs/benchmarks.md while keeping the others."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}; {os.cpu_count()} cores; `{os.uname().sysname} {os.uname().release}`"


def write_section(title: str, section: str, doc: Path = DOC) -> None:
    """Replace the section headed ``## title`` of ``doc`` (or append it)."""
    text = doc.read_text("utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text.rstrip("\n") + "\n", "utf-8")

"""PostScript: DSC comments give a quick page count; when Ghostscript is available the
program is run (``pdfwrite``, ``-dSAFER``, with a timeout) and the PDF it produces is
analysed like any PDF, so pages, sizes and colour come from what the program really
draws. Without Ghostscript only the DSC count is known and colour is left unknown.

A PostScript document is a program: its pages are the pages one interpreter drew, and
another interpreter (the printer's) may draw others (a program can test which device
runs it, the time, a random number). So the count is never ``count_certain``: the
agent sends the program's Ghostscript rendering instead (``documents.rewrite``) or
refuses it. A program that does not finish within the time budget (``{} loop``) fails:
it is never counted from its DSC comments.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace

from printwarden.documents.media import media_name, orientation, points_to_mm
from printwarden.documents.model import DocumentInfo, Limits, PageInfo, build_document, failed
from printwarden.documents.pdf import analyse_pdf

_BBOX = re.compile(rb"%%(?:Page)?BoundingBox:\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)")
_MEDIA = re.compile(rb"%%DocumentMedia:\s*\S+\s+([\d.]+)\s+([\d.]+)")
#: The reason of a program that ran past its time budget (never counted by its comments).
TIMED_OUT = "Ghostscript did not finish within"
PROGRAM = "a PostScript program: its pages are those Ghostscript drew"


@dataclass(frozen=True)
class DscFacts:
    conforming: bool
    pages_declared: int | None
    page_comments: int
    size_pt: tuple[float, float] | None


def scan_dsc(path: str) -> DscFacts:
    conforming = False
    declared: int | None = None
    count = 0
    size: tuple[float, float] | None = None
    media: tuple[float, float] | None = None
    with open(path, "rb") as f:
        first = f.readline()
        conforming = b"PS-Adobe-" in first
        for line in f:
            if not line.startswith(b"%%"):
                continue
            if line.startswith(b"%%Page:"):
                count += 1
            elif line.startswith(b"%%Pages:"):
                value = line[8:].strip().split()
                if value and value[0].isdigit():
                    declared = int(value[0])
            elif size is None and line.startswith(b"%%BoundingBox:"):
                m = _BBOX.match(line)
                if m:
                    x0, y0, x1, y1 = (float(v) for v in m.groups())
                    size = (x1 - x0, y1 - y0)
            elif media is None and line.startswith(b"%%DocumentMedia:"):
                m2 = _MEDIA.match(line)
                if m2:
                    media = (float(m2.group(1)), float(m2.group(2)))
    return DscFacts(conforming, declared, count, media or size)


def analyse_postscript(path: str, limits: Limits, deadline: float) -> DocumentInfo:
    dsc = scan_dsc(path)
    gs = shutil.which("gs") if limits.use_external_tools else None
    if gs is not None:
        result = _via_ghostscript(gs, path, limits, deadline)
        if result.pages is not None:
            dsc_count = dsc.pages_declared or dsc.page_comments or None
            if dsc.conforming and dsc_count is not None and dsc_count != result.pages:
                note = f"DSC comments announce {dsc_count} pages, the program makes {result.pages}"
                result = replace(result, warnings=(*result.warnings, note))
            reason = f"{PROGRAM}; {result.reason}" if result.reason else PROGRAM
            return replace(result, count_certain=False, estimated=True, reason=reason)
        if result.reason and result.reason.startswith(TIMED_OUT):
            return result  # an endless program is refused, never counted by its comments
        fallback_reason = result.reason
    else:
        fallback_reason = "Ghostscript not available"
    return _from_dsc(dsc, fallback_reason)


def run_ghostscript(gs: str, device: str, source: str, out: str, limits: Limits,
                    deadline: float) -> str | None:
    """Run ``source`` through Ghostscript's ``device`` into ``out``; the problem or None."""
    remaining = max(1.0, min(limits.tool_timeout, deadline - time.monotonic()))
    cmd = [gs, "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dQUIET", f"-sDEVICE={device}",
           "-dAutoRotatePages=/None", f"-sOutputFile={out}", source]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=remaining, check=False)
    except subprocess.TimeoutExpired:
        return f"{TIMED_OUT} {remaining:.0f} s"
    except OSError as exc:
        return f"Ghostscript could not run: {exc}"
    if proc.returncode != 0 or not os.path.exists(out):
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        last = err[-1] if err else f"exit status {proc.returncode}"
        return f"Ghostscript failed: {last}"
    return None


def rendered(gs: str, path: str, pdf: str, limits: Limits, deadline: float) -> DocumentInfo:
    """Render the program at ``path`` into ``pdf`` and analyse that PDF (what was drawn)."""
    problem = run_ghostscript(gs, "pdfwrite", path, pdf, limits, deadline)
    if problem is not None:
        return failed("postscript", problem)
    result = analyse_pdf(pdf, limits, deadline)
    return replace(result, format="postscript", method="gs-pdfwrite+" + result.method)


def _via_ghostscript(gs: str, path: str, limits: Limits, deadline: float) -> DocumentInfo:
    with tempfile.TemporaryDirectory(prefix="pw-ps-") as tmp:
        return rendered(gs, path, os.path.join(tmp, "out.pdf"), limits, deadline)


def _from_dsc(dsc: DscFacts, why: str | None) -> DocumentInfo:
    count = dsc.page_comments or dsc.pages_declared
    if not dsc.conforming or count is None:
        return failed("postscript", f"no DSC page comments and {why}", "dsc")
    pages = []
    for i in range(count):
        if dsc.size_pt is not None:
            w, h = points_to_mm(dsc.size_pt[0]), points_to_mm(dsc.size_pt[1])
            pages.append(PageInfo(i + 1, w, h, media_name(w, h), orientation(w, h), None))
        else:
            pages.append(PageInfo(i + 1, 0.0, 0.0, "", "portrait", None))
    return build_document(
        "postscript",
        pages,
        "dsc",
        estimated=True,
        reason=f"pages from DSC comments; colour unknown ({why})",
    )

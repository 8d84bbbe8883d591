"""Rewrite a document whose count is not certain so that it holds exactly the counted pages.

The rule the print agent keeps: what is sent to a device is exactly what was counted.
A document whose analysis is ``count_certain`` is sent as it is. Any other is rewritten
here (or refused by the agent), per format:

| format | rewrite |
| --- | --- |
| pdf | the page tree rebuilt flat with qpdf (``pdf_rewrite``) |
| postscript | the program's Ghostscript rendering, as PostScript again (``ps2write``) |
| pwg-raster, urf | the stream cut after its last whole page, one copy (``raster_cut``) |
| text | wrapped at the counted width, control characters removed (``text.clean_text``) |
| pcl5, pclxl, others | none: refused (PCL is interpreted by the printer; no second reader) |

The rewritten file is then analysed again like any document, and accepted only when
that analysis is certain and finds exactly the pages counted before. ``Rewritten`` says
what came out: the new analysis, or the problem that makes the document unprintable.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace

from printwarden.documents.analyse import analyse
from printwarden.documents.model import DocumentInfo, Limits

__all__ = ["REWRITABLE", "Rewritten", "rewrite_to_counted"]

#: Formats with a rewriter; any other uncertain document is refused.
REWRITABLE = ("pdf", "postscript", "pwg-raster", "urf", "text")


@dataclass(frozen=True)
class Rewritten:
    """The analysis of the rewritten document, or why there is none."""

    info: DocumentInfo | None
    problem: str | None = None
    method: str = ""


def rewrite_to_counted(source: str | os.PathLike[str], target: str | os.PathLike[str],
                       fmt: str, pages: int, limits: Limits | None = None, *,
                       lines_per_page: int = 60) -> Rewritten:
    """Write ``target``: ``source`` (of format ``fmt``) holding exactly ``pages`` pages
    (for text, of ``lines_per_page`` lines).

    Never raises for the document's sake. ``target`` may be left behind on failure."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.max_seconds
    if pages < 1:
        return Rewritten(None, "the document has no pages to print")
    try:
        if fmt == "pdf":
            return _checked(_pdf(source, target, pages, limits, deadline), target, fmt,
                            pages, limits)
        if fmt == "postscript":
            return _postscript(source, target, pages, limits, deadline)
        if fmt in ("pwg-raster", "urf"):
            from printwarden.documents.raster_cut import cut_raster

            cut = cut_raster(source, target, fmt)
            method = "raster-cut" if cut == pages else ""
            problem = None if cut == pages else (
                f"the stream holds {cut} whole pages where the analysis counted {pages}")
            return _checked(Rewritten(None, problem, method), target, fmt, pages, limits)
        if fmt == "text":
            from printwarden.documents.text import clean_text

            clean_text(os.fspath(source), os.fspath(target))
            return _checked(Rewritten(None, None, "text-clean"), target, fmt, pages, limits,
                            lines_per_page)
    except MemoryError:
        return Rewritten(None, "out of memory while rewriting")
    except Exception as exc:  # the contract: never raise to the caller
        return Rewritten(None, f"rewriting failed: {type(exc).__name__}: {exc}")
    return Rewritten(None, f"{fmt} documents cannot be rewritten to the counted pages")


def _pdf(source: str | os.PathLike[str], target: str | os.PathLike[str], pages: int,
         limits: Limits, deadline: float) -> Rewritten:
    from printwarden.documents.pdf_rewrite import RebuildError, rebuild_page_tree

    try:
        rebuild_page_tree(source, target, pages, limits, deadline)
    except RebuildError as exc:
        return Rewritten(None, str(exc))
    return Rewritten(None, None, "pdf-page-tree")


def _checked(done: Rewritten, target: str | os.PathLike[str], fmt: str, pages: int,
             limits: Limits, lines_per_page: int = 60) -> Rewritten:
    """Analyse the rewritten file; accept it only when it is certain and has ``pages``."""
    if done.problem is not None:
        return done
    info = analyse(target, fmt, limits, lines_per_page=lines_per_page)
    if info.pages != pages or not info.count_certain:
        why = info.reason or "its analysis is not certain"
        return Rewritten(None, f"the rewritten document has {info.pages} pages where "
                               f"{pages} were counted ({why})", done.method)
    return Rewritten(info, None, done.method)


def _postscript(source: str | os.PathLike[str], target: str | os.PathLike[str], pages: int,
                limits: Limits, deadline: float) -> Rewritten:
    """Render the program to PDF, count that, and send the rendering as PostScript
    (``ps2write``): a program generated from a fixed rendering draws the same pages on
    any interpreter. The result is rendered once more to check its count."""
    from printwarden.documents.postscript import rendered, run_ghostscript

    gs = shutil.which("gs") if limits.use_external_tools else None
    if gs is None:
        return Rewritten(None, "Ghostscript is not available to render the PostScript")
    with tempfile.TemporaryDirectory(prefix="pw-rewrite-") as tmp:
        first = rendered(gs, os.fspath(source), os.path.join(tmp, "drawn.pdf"), limits,
                         deadline)
        if first.pages != pages:
            return Rewritten(None, f"the program draws {first.pages} pages now where "
                                   f"{pages} were counted ({first.reason or 'it changed'})")
        problem = run_ghostscript(gs, "ps2write", os.path.join(tmp, "drawn.pdf"),
                                  os.fspath(target), limits, deadline)
        if problem is not None:
            return Rewritten(None, problem)
        again = rendered(gs, os.fspath(target), os.path.join(tmp, "check.pdf"), limits,
                         deadline)
    if again.pages != pages:
        return Rewritten(None, f"the rewritten program draws {again.pages} pages where "
                               f"{pages} were counted ({again.reason or 'it changed'})",
                         "ghostscript")
    # our own program, generated from a fixed rendering: its count is certain
    return Rewritten(replace(again, count_certain=True, method="gs-ps2write+" + again.method),
                     None, "ghostscript")

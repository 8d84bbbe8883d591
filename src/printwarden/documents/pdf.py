"""PDF analysis: page count and geometry with pypdf, colour from content (pdf_color),
ambiguous pages settled by a low-resolution PDFium render (pdf_render).

The file is read through a file object, so a large PDF is never loaded whole; decoded
streams are not kept once a page is judged.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any

import pypdfium2 as pdfium
from pypdf import PasswordType, PdfReader
from pypdf.generic import StreamObject

from printwarden.documents.media import media_name, orientation, points_to_mm
from printwarden.documents.model import DocumentInfo, Limits, PageInfo, build_document, failed
from printwarden.documents.pdf_color import BudgetExceeded, ColorJudge
from printwarden.documents.pdf_render import PDFIUM_LOCK, PageRenderer
from printwarden.documents.pdf_spaces import AMBIGUOUS, COLOR, MONO
from printwarden.documents.pdf_structure import page_tree, structure_doubts
from printwarden.documents.pdf_tree import PageTree, TooManyPages, TreeTimeout
from printwarden.documents.pdf_warnings import pypdf_messages, repair_warnings


def analyse_pdf(path: str | os.PathLike[str], limits: Limits, deadline: float) -> DocumentInfo:
    with pypdf_messages() as messages, open(path, "rb") as stream:
        try:
            reader = PdfReader(stream, strict=False)
            warnings: list[str] = []
            if reader.is_encrypted:
                problem = _decrypt(reader, warnings)
                if problem is not None:
                    return failed("pdf", problem, "pdf-structure", tuple(warnings))
            tree = page_tree(reader, limits, deadline)
        except TooManyPages:
            return failed("pdf", f"more than {limits.max_pages} pages", "pdf-structure")
        except TreeTimeout:
            return failed("pdf", f"the page tree was not read within {limits.max_seconds:g} s",
                          "pdf-structure")
        except Exception as exc:
            why = f"pypdf could not read the file: {exc}"
            if _looks_truncated(stream):
                why = "the file appears truncated (no end-of-file marker); " + why
            return _fallback(path, limits, deadline, why)
        repairs = repair_warnings(messages)
        warnings.extend(repairs)
        doubts = structure_doubts(reader, stream, tree, repairs)
        if not tree.well_formed:
            return _count_only(tree, doubts, warnings)
        count = len(tree.leaves)
        try:
            flattened = len(reader.pages)
        except Exception as exc:
            flattened = -1
            doubts.append(f"pypdf cannot list the pages ({exc})")
        if flattened not in (count, -1):
            doubts.append(f"pypdf lists {flattened} pages, the page tree holds {count}")
        if flattened != count:
            return _count_only(tree, doubts, warnings)
        info = _analyse_pages(path, reader, count, limits, deadline, warnings)
    if doubts:
        reason = "; ".join(doubts)
        return replace(info, count_certain=False, estimated=True,
                       reason=f"{reason}; {info.reason}" if info.reason else reason)
    return info


def _count_only(tree: PageTree, doubts: list[str], warnings: list[str]) -> DocumentInfo:
    """A page tree that cannot be trusted: its distinct page objects are counted, nothing
    else is read (a rebuilt copy is analysed instead)."""
    pages = [PageInfo(i + 1, 0.0, 0.0, "", "portrait", None) for i in range(len(tree.leaves))]
    return build_document("pdf", pages, "pdf-structure", reason="; ".join(doubts),
                          warnings=[*warnings, *doubts], count_certain=False)


def _looks_truncated(stream: Any) -> bool:
    try:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - 2048))
        return b"%%EOF" not in stream.read()
    except OSError:
        return False


def _decrypt(reader: PdfReader, warnings: list[str]) -> str | None:
    try:
        result = reader.decrypt("")
    except Exception as exc:
        return f"encrypted PDF that cannot be decrypted here: {exc}"
    if result == PasswordType.NOT_DECRYPTED:
        return "encrypted PDF: a user password is required to open it"
    warnings.append("encrypted PDF with an owner password only: analysed without a password")
    return None


def page_geometry(page: Any) -> tuple[float, float]:
    """Displayed width and height in mm: crop box clipped to the media box, times
    UserUnit, with /Rotate applied."""
    media = page.mediabox
    crop = page.cropbox
    left = max(min(media.left, media.right), min(crop.left, crop.right))
    right = min(max(media.left, media.right), max(crop.left, crop.right))
    bottom = max(min(media.bottom, media.top), min(crop.bottom, crop.top))
    top = min(max(media.bottom, media.top), max(crop.bottom, crop.top))
    if right <= left or top <= bottom:
        left, right, bottom, top = media.left, media.right, media.bottom, media.top
    unit = float(page.get("/UserUnit", 1.0) or 1.0)
    width = abs(float(right) - float(left)) * unit
    height = abs(float(top) - float(bottom)) * unit
    if int(page.rotation) % 180 == 90:
        width, height = height, width
    return points_to_mm(width), points_to_mm(height)


def _page_info(number: int, size: tuple[float, float], color: bool | None) -> PageInfo:
    w, h = size
    return PageInfo(number, w, h, media_name(w, h), orientation(w, h), color)


def _analyse_pages(
    path: str | os.PathLike[str],
    reader: PdfReader,
    count: int,
    limits: Limits,
    deadline: float,
    warnings: list[str],
) -> DocumentInfo:
    judge = ColorJudge(
        deadline=deadline,
        max_decompressed=limits.max_decompressed_bytes,
        max_pixels=limits.max_pixels,
    )
    infos: list[PageInfo] = []
    reason: str | None = None if count else "document has no pages"
    rendered = 0
    with PageRenderer(path, limits.render_dpi) as renderer:
        for index in range(count):
            try:
                page = reader.pages[index]
                size = page_geometry(page)
            except Exception as exc:
                warnings.append(f"page {index + 1}: unreadable page object ({exc})")
                size = (0.0, 0.0)
                infos.append(_page_info(index + 1, size, None))
                continue
            color: bool | None = None
            if reason is None and index >= limits.max_pages_detailed:
                reason = f"colour examined for the first {limits.max_pages_detailed} pages only"
            elif reason is None and time.monotonic() > deadline:
                reason = f"time budget of {limits.max_seconds:g} s spent after {index} pages"
            if reason is None:
                try:
                    verdict = judge.judge_page(page)
                except BudgetExceeded as exc:
                    reason = f"{exc} after {index} pages"
                    verdict = None
                except Exception:
                    verdict = AMBIGUOUS
                if verdict == AMBIGUOUS and time.monotonic() <= deadline:
                    color = renderer.is_color(index)
                    rendered += 1
                elif verdict in (MONO, COLOR):
                    color = verdict == COLOR
            infos.append(_page_info(index + 1, size, color))
            if index % 64 == 63:
                _forget_streams(reader)
    method = "pdf-content" + ("+render" if rendered else "")
    return build_document(
        "pdf",
        infos,
        method,
        page_count=count,
        reason=reason,
        warnings=warnings,
        estimated=bool(reason) and count > 0,
    )


def _forget_streams(reader: PdfReader) -> None:
    """Drop parsed stream objects from pypdf's cache so memory stays flat."""
    cache = getattr(reader, "resolved_objects", None)
    if not isinstance(cache, dict) or len(cache) < 256:
        return
    for key in [k for k, v in cache.items() if isinstance(v, StreamObject)]:
        del cache[key]


def _fallback(
    path: str | os.PathLike[str], limits: Limits, deadline: float, why: str
) -> DocumentInfo:
    """When pypdf gives up, PDFium (which repairs many damaged files) counts pages and
    colour is judged from renders."""
    with PDFIUM_LOCK:
        return _fallback_locked(path, limits, deadline, why)


def _fallback_locked(
    path: str | os.PathLike[str], limits: Limits, deadline: float, why: str
) -> DocumentInfo:
    try:
        doc = pdfium.PdfDocument(os.fspath(path))
    except pdfium.PdfiumError as exc:
        text = str(exc)
        if "password" in text.lower():
            return failed("pdf", "encrypted PDF: a user password is required to open it")
        return failed("pdf", f"not a readable PDF ({why}; PDFium: {text})", "pdf-structure")
    except Exception as exc:
        return failed("pdf", f"not a readable PDF ({why}; PDFium: {exc})", "pdf-structure")
    infos: list[PageInfo] = []
    reason: str | None = None
    warnings = ["damaged PDF: read with PDFium after pypdf failed", why]
    renderer = PageRenderer(path, limits.render_dpi)
    try:
        count = len(doc)
        for index in range(count):
            w_pt, h_pt = doc.get_page_size(index)
            color: bool | None = None
            if reason is None and (
                index >= limits.max_pages_detailed or time.monotonic() > deadline
            ):
                reason = f"colour examined for the first {index} pages only"
            if reason is None:
                color = renderer.is_color(index)
            infos.append(_page_info(index + 1, (points_to_mm(w_pt), points_to_mm(h_pt)), color))
    finally:
        renderer.close()
        doc.close()
    if not infos:
        reason = reason or "document has no pages"
    return build_document(
        "pdf", infos, "pdfium-render", reason=reason or why, warnings=warnings, estimated=True,
        count_certain=False,
    )

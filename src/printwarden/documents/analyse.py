"""The entry point: pick the analyser for a file's format, enforce limits, never raise."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from printwarden.documents.detect import detect_bytes, format_for_mime, pjl_copies, read_head
from printwarden.documents.model import FORMATS, DocumentInfo, Limits, failed

Analyser = Callable[[str, Limits, float], DocumentInfo]


def _analysers() -> dict[str, Analyser]:
    from printwarden.documents.images import analyse_image
    from printwarden.documents.pcl5 import analyse_pcl5
    from printwarden.documents.pclxl import analyse_pclxl
    from printwarden.documents.pdf import analyse_pdf
    from printwarden.documents.postscript import analyse_postscript
    from printwarden.documents.pwg_raster import analyse_pwg_raster
    from printwarden.documents.urf import analyse_urf

    return {
        "pdf": analyse_pdf,
        "postscript": analyse_postscript,
        "pwg-raster": analyse_pwg_raster,
        "urf": analyse_urf,
        "pcl5": analyse_pcl5,
        "pclxl": analyse_pclxl,
        "jpeg": analyse_image,
        "png": analyse_image,
        "tiff": analyse_image,
    }


def analyse(
    path: str | os.PathLike[str],
    format_hint: str | None = None,
    limits: Limits | None = None,
    *,
    lines_per_page: int = 60,
    default_media: str = "iso_a4_210x297mm",
) -> DocumentInfo:
    """Pages, colour per page and media sizes of the document at ``path``.

    ``format_hint`` is a format name or an IPP document-format MIME type; when absent,
    ``application/octet-stream`` or contradicted by the data, the content decides.
    Never raises: unreadable input yields ``pages=None`` with a ``reason``.
    """
    limits = limits or Limits()
    deadline = time.monotonic() + limits.max_seconds
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        head = read_head(name)
        detected = detect_bytes(head)
    except OSError as exc:
        return failed("unknown", f"cannot read file: {exc.strerror or exc}")
    warnings: list[str] = []
    fmt = detected
    hint = _hint_format(format_hint)
    if hint is not None and hint != detected:
        if detected == "unknown" or (detected == "text" and hint != "text"):
            fmt = hint
        warnings.append(f"declared format {format_hint!r} but the content looks like {detected}")
    if size == 0:
        return failed(fmt, "empty file", warnings=tuple(warnings))
    if size > limits.max_bytes:
        return failed(fmt, f"file of {size} bytes exceeds the limit of {limits.max_bytes}")
    if fmt == "text":
        from printwarden.documents.text import analyse_text

        result = analyse_text(name, limits, deadline, lines_per_page, default_media)
    elif fmt == "unknown":
        return failed("unknown", "unrecognised document format", warnings=tuple(warnings))
    else:
        try:
            result = _analysers()[fmt](name, limits, deadline)
        except MemoryError:
            result = failed(fmt, "out of memory while analysing")
        except Exception as exc:  # the contract: never raise to the caller
            result = failed(fmt, f"analysis failed: {type(exc).__name__}: {exc}")
    if result.format == "unknown" and fmt != "unknown":
        from dataclasses import replace

        result = replace(result, format=fmt)
    if warnings:
        result = _with_warnings(result, warnings)
    copies = pjl_copies(head)
    if copies > 1 and result.pages and result.format != "pcl5":  # pcl5 reads PJL itself
        from dataclasses import replace

        note = f"a PJL header asks the printer for {copies} copies"
        result = replace(result, count_certain=False, estimated=True,
                         reason=f"{result.reason}; {note}" if result.reason else note)
    return _apply_default_media(result, default_media)


def _hint_format(hint: str | None) -> str | None:
    if hint is None:
        return None
    if hint in FORMATS:
        return None if hint == "unknown" else hint
    return format_for_mime(hint)


def _with_warnings(result: DocumentInfo, extra: list[str]) -> DocumentInfo:
    from dataclasses import replace

    return replace(result, warnings=tuple(dict.fromkeys([*extra, *result.warnings])))


def _apply_default_media(result: DocumentInfo, default_media: str) -> DocumentInfo:
    """Pages whose format states no size carry media ``""``: give them the default."""
    if not any(p.media == "" for p in result.page_info):
        return result
    from dataclasses import replace

    from printwarden.documents.media import media_size, orientation

    dims = media_size(default_media) or (210.0, 297.0)
    pages = []
    for p in result.page_info:
        if p.media == "":
            w, h = (dims[1], dims[0]) if p.orientation == "landscape" else dims
            p = replace(
                p, media=default_media, width_mm=w, height_mm=h, orientation=orientation(w, h)
            )
        pages.append(p)
    sizes: dict[str, int] = {}
    for p in pages:
        sizes[p.media] = sizes.get(p.media, 0) + 1
    note = f"document states no page size: {default_media} assumed"
    return replace(
        result,
        page_info=tuple(pages),
        sizes=sizes,
        warnings=tuple(dict.fromkeys([*result.warnings, note])),
    )

"""Transforms applied before forwarding: an honest grayscale PDF, and the IPP
attributes that ask the printer for monochrome and duplex output.

``to_grayscale_pdf`` converts the colours themselves (so a printer that ignores
``print-color-mode`` still prints grey and meters mono): with Ghostscript when present
(vector output kept; it reads PostScript too), else, for PDF, by rendering each page to
a grey bitmap with PDFium and rebuilding a PDF of the same page sizes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# pypdfium2 and Pillow are imported where a transform runs: a process that never
# transforms (an idle agent) does not map them.


@dataclass(frozen=True)
class GrayscaleResult:
    ok: bool
    method: str  # "ghostscript", "render" or "none"
    pages: int
    error: str | None = None


def downstream_attributes(
    *, monochrome: bool = False, duplex: bool = False, short_edge: bool = False
) -> dict[str, str]:
    """IPP job attributes to set on the job sent to the printer."""
    attrs: dict[str, str] = {}
    if monochrome:
        attrs["print-color-mode"] = "monochrome"
    if duplex:
        attrs["sides"] = "two-sided-short-edge" if short_edge else "two-sided-long-edge"
    return attrs


#: The formats ``to_grayscale_pdf`` reads (``documents.detect`` format names).
GRAYSCALE_SOURCES = ("pdf", "postscript")


def postscript_duplex_setup(*, short_edge: bool = False) -> bytes:
    """PostScript that asks the device for two-sided output (PLRM ``setpagedevice``
    ``/Duplex``, ``/Tumble`` true for short-edge binding), in the feature wrapper PPDs
    use: a device without a duplexer raises an error that ``stopped`` swallows, and the
    job prints one-sided rather than not at all."""
    tumble = "true" if short_edge else "false"
    feature = "DuplexTumble" if short_edge else "DuplexNoTumble"
    return (f"[{{\n%%BeginFeature: *Duplex {feature}\n"
            f"<</Duplex true /Tumble {tumble}>> setpagedevice\n"
            "%%EndFeature\n} stopped cleartomark\n").encode("ascii")


def to_grayscale_pdf(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    use_ghostscript: bool = True,
    dpi: float = 150.0,
    timeout: float = 300.0,
    source_format: str = "pdf",
) -> GrayscaleResult:
    """Write a grayscale PDF of ``src`` (a PDF, or PostScript with ``source_format``
    "postscript") to ``dst``. Never raises.

    PostScript is read by Ghostscript only: without it (or when it fails) the result
    says why, as it does for any other format, rather than falling back to something
    that cannot read the program."""
    if source_format not in GRAYSCALE_SOURCES:
        return GrayscaleResult(False, "none", 0, f"{source_format or 'this'} documents "
                               "cannot be converted to grayscale (only PDF and PostScript)")
    gs = shutil.which("gs") if use_ghostscript else None
    if gs is not None:
        result = _with_ghostscript(gs, os.fspath(src), os.fspath(dst), timeout)
        if result.ok or source_format == "postscript":
            return result
    elif source_format == "postscript":
        return GrayscaleResult(False, "none", 0, "converting PostScript to grayscale needs "
                               "Ghostscript (gs), which is not installed")
    return _with_render(os.fspath(src), os.fspath(dst), dpi)


def _with_ghostscript(gs: str, src: str, dst: str, timeout: float) -> GrayscaleResult:
    cmd = [
        gs, "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dQUIET", "-sDEVICE=pdfwrite",
        "-sColorConversionStrategy=Gray", "-dProcessColorModel=/DeviceGray",
        "-dAutoRotatePages=/None", f"-sOutputFile={dst}", src,
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return GrayscaleResult(False, "ghostscript", 0, str(exc))
    if proc.returncode != 0 or not os.path.exists(dst):
        err = proc.stderr.decode("utf-8", "replace").strip()[-500:]
        return GrayscaleResult(False, "ghostscript", 0, err or f"exit {proc.returncode}")
    import pypdfium2 as pdfium

    from printwarden.documents.pdf_render import PDFIUM_LOCK

    try:
        with PDFIUM_LOCK:
            pages = len(pdfium.PdfDocument(dst))
    except Exception as exc:
        return GrayscaleResult(False, "ghostscript", 0, f"unreadable output: {exc}")
    return GrayscaleResult(True, "ghostscript", pages)


def _with_render(src: str, dst: str, dpi: float) -> GrayscaleResult:
    from printwarden.documents.pdf_render import PDFIUM_LOCK

    with PDFIUM_LOCK:
        return _render_locked(src, dst, dpi)


def _render_locked(src: str, dst: str, dpi: float) -> GrayscaleResult:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(src)
    except Exception as exc:
        return GrayscaleResult(False, "none", 0, f"cannot open PDF: {exc}")
    images: list[Image.Image] = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            try:
                bitmap = page.render(scale=dpi / 72.0, grayscale=True, optimize_mode="print")
                images.append(bitmap.to_pil().convert("L"))
            finally:
                page.close()
    except Exception as exc:
        return GrayscaleResult(False, "render", 0, f"render failed: {exc}")
    finally:
        doc.close()
    if not images:
        return GrayscaleResult(False, "render", 0, "document has no pages")
    try:
        images[0].save(dst, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    except Exception as exc:
        return GrayscaleResult(False, "render", 0, f"cannot write PDF: {exc}")
    return GrayscaleResult(True, "render", len(images))

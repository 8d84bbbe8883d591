"""Settle ambiguous PDF pages by rendering them small with PDFium and looking at pixels."""

from __future__ import annotations

import os
import threading
from types import TracebackType

import pypdfium2 as pdfium
from PIL import Image

from printwarden.documents.model import PIXEL_TOLERANCE
from printwarden.documents.pixels import max_spread

#: PDFium is not thread-safe: every call into it from this package holds this lock.
PDFIUM_LOCK = threading.RLock()


class PageRenderer:
    """Opens the document once, on first use; renders pages in print mode."""

    def __init__(self, path: str | os.PathLike[str], dpi: float) -> None:
        self._path = os.fspath(path)
        self._dpi = dpi
        self._doc: pdfium.PdfDocument | None = None
        self._failed = False

    def __enter__(self) -> PageRenderer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._doc is not None:
            with PDFIUM_LOCK:
                self._doc.close()
            self._doc = None

    def _document(self) -> pdfium.PdfDocument | None:
        if self._doc is None and not self._failed:
            try:
                self._doc = pdfium.PdfDocument(self._path)
            except Exception:
                self._failed = True
        return self._doc

    def is_color(self, index: int) -> bool | None:
        """True/False from the pixels of page ``index`` (0-based); None if it fails."""
        with PDFIUM_LOCK:
            doc = self._document()
            if doc is None:
                return None
            img = self._render(doc, index)
        return None if img is None else max_spread(img) > PIXEL_TOLERANCE

    def _render(self, doc: pdfium.PdfDocument, index: int) -> Image.Image | None:
        try:
            page = doc[index]
            try:
                bitmap = page.render(
                    scale=self._dpi / 72.0, draw_annots=True, optimize_mode="print"
                )
                img: Image.Image = bitmap.to_pil()
            finally:
                page.close()
        except Exception:
            return None
        return img

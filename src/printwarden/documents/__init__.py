"""Document analysis: pages, colour pages and media sizes per page, for billing and
policy, plus transforms (grayscale, duplex attributes).

Public API::

    analyse(path, format_hint=None, limits=None, *, lines_per_page=60) -> DocumentInfo
    sheets_and_impressions(pages, copies=1, sides="one-sided", number_up=1) -> Layout
    format_for_mime(mime) -> format name or None (sniff)
    sniff_mime(head) / mime_for_format(name) -> the MIME type to send a document as

``analyse`` never raises: unreadable input gives ``pages=None`` and a ``reason``.
"""

from printwarden.documents.analyse import analyse
from printwarden.documents.detect import (
    MIME_FORMATS,
    detect_bytes,
    detect_file,
    format_for_mime,
    mime_for_format,
    sniff_mime,
)
from printwarden.documents.layout import SIDES, Layout, sheets_and_impressions
from printwarden.documents.media import PWG_MEDIA, media_name, media_size, orientation
from printwarden.documents.model import (
    FORMATS,
    NEUTRAL_TOLERANCE,
    PIXEL_TOLERANCE,
    RICH_BLACK_K,
    DocumentInfo,
    Limits,
    PageInfo,
)
from printwarden.documents.transforms import (
    GrayscaleResult,
    downstream_attributes,
    to_grayscale_pdf,
)

__all__ = [
    "FORMATS",
    "MIME_FORMATS",
    "NEUTRAL_TOLERANCE",
    "PIXEL_TOLERANCE",
    "PWG_MEDIA",
    "RICH_BLACK_K",
    "SIDES",
    "DocumentInfo",
    "GrayscaleResult",
    "Layout",
    "Limits",
    "PageInfo",
    "analyse",
    "detect_bytes",
    "detect_file",
    "downstream_attributes",
    "format_for_mime",
    "media_name",
    "media_size",
    "mime_for_format",
    "orientation",
    "sheets_and_impressions",
    "sniff_mime",
    "to_grayscale_pdf",
]

"""Media sizes and the media-col collections built from them (PWG 5101.1 names)."""

from __future__ import annotations

from printwarden.core.media import DEFAULT_MEDIA_NAME, MediaSize, media_by_name
from printwarden.ipp.attributes import Attribute, collection, integer, keyword

__all__ = ["DEFAULT_MEDIA", "MEDIA_SIZES", "MediaSize", "media_col", "media_size_col"]


def _size(name: str) -> MediaSize:
    size = media_by_name(name)
    assert size is not None, name
    return size


#: The sizes the printer model offers (``media-supported``), the default first.
MEDIA_SIZES: tuple[MediaSize, ...] = tuple(_size(name) for name in (
    DEFAULT_MEDIA_NAME, "na_letter_8.5x11in", "na_legal_8.5x14in", "iso_a5_148x210mm",
    "na_index-4x6_4x6in"))
DEFAULT_MEDIA = MEDIA_SIZES[0]
MARGIN = 423
"""Hundredths of millimetres (1/6 inch) on every side."""


def media_size_col(size: MediaSize, member_name: str = "media-size") -> Attribute:
    return collection(member_name, [integer("x-dimension", size.width),
                                    integer("y-dimension", size.length)])


def media_col(size: MediaSize, member_name: str = "media-col", *, source: str = "main",
              media_type: str = "stationery") -> Attribute:
    """One media-col value: margins, size, source and type."""
    return collection(member_name, [
        integer("media-bottom-margin", MARGIN),
        integer("media-left-margin", MARGIN),
        integer("media-right-margin", MARGIN),
        integer("media-top-margin", MARGIN),
        media_size_col(size),
        keyword("media-source", source),
        keyword("media-type", media_type),
    ])

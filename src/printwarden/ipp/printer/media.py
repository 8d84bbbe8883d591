"""Media sizes and the media-col collections built from them (PWG 5101.1 names)."""

from __future__ import annotations

from dataclasses import dataclass

from ..attributes import Attribute, collection, integer, keyword

__all__ = ["DEFAULT_MEDIA", "MEDIA_SIZES", "MediaSize", "media_col", "media_size_col"]


@dataclass(frozen=True, slots=True)
class MediaSize:
    """A PWG self-describing media name and its size in hundredths of millimetres."""

    name: str
    width: int
    length: int


MEDIA_SIZES: tuple[MediaSize, ...] = (
    MediaSize("iso_a4_210x297mm", 21000, 29700),
    MediaSize("na_letter_8.5x11in", 21590, 27940),
    MediaSize("na_legal_8.5x14in", 21590, 35560),
    MediaSize("iso_a5_148x210mm", 14800, 21000),
    MediaSize("na_index-4x6_4x6in", 10160, 15240),
)
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

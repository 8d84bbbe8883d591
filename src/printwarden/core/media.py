"""PWG 5101.1 self-describing media names and their sizes: the one table of paper sizes.

Sizes are in hundredths of millimetres (IPP's unit, ``media-size``), short edge first;
``width_mm``/``height_mm`` give millimetres (document analysis). Inch sizes are converted
exactly and rounded to the hundredth of a millimetre.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_MEDIA_NAME", "PWG_MEDIA", "MediaSize", "media_by_name"]

_HUNDREDTHS_PER_INCH = 2540


@dataclass(frozen=True, slots=True)
class MediaSize:
    """A PWG media name and its size in hundredths of millimetres (short edge first)."""

    name: str
    width: int
    length: int

    @property
    def width_mm(self) -> float:
        return self.width / 100

    @property
    def height_mm(self) -> float:
        return self.length / 100


def _mm(name: str, width: float, length: float) -> MediaSize:
    return MediaSize(name, round(width * 100), round(length * 100))


def _inch(name: str, width: float, length: float) -> MediaSize:
    return MediaSize(name, round(width * _HUNDREDTHS_PER_INCH),
                     round(length * _HUNDREDTHS_PER_INCH))


PWG_MEDIA: tuple[MediaSize, ...] = (
    _mm("iso_a0_841x1189mm", 841, 1189),
    _mm("iso_a1_594x841mm", 594, 841),
    _mm("iso_a2_420x594mm", 420, 594),
    _mm("iso_a3_297x420mm", 297, 420),
    _mm("iso_a4_210x297mm", 210, 297),
    _mm("iso_a5_148x210mm", 148, 210),
    _mm("iso_a6_105x148mm", 105, 148),
    _mm("iso_a7_74x105mm", 74, 105),
    _mm("iso_b4_250x353mm", 250, 353),
    _mm("iso_b5_176x250mm", 176, 250),
    _mm("iso_b6_125x176mm", 125, 176),
    _mm("iso_c4_229x324mm", 229, 324),
    _mm("iso_c5_162x229mm", 162, 229),
    _mm("iso_c6_114x162mm", 114, 162),
    _mm("iso_dl_110x220mm", 110, 220),
    _mm("iso_ra4_215x305mm", 215, 305),
    _mm("iso_sra3_320x450mm", 320, 450),
    _mm("jis_b4_257x364mm", 257, 364),
    _mm("jis_b5_182x257mm", 182, 257),
    _mm("jis_b6_128x182mm", 128, 182),
    _mm("jpn_hagaki_100x148mm", 100, 148),
    _inch("na_letter_8.5x11in", 8.5, 11),
    _inch("na_legal_8.5x14in", 8.5, 14),
    _inch("na_govt-letter_8x10in", 8, 10),
    _inch("na_executive_7.25x10.5in", 7.25, 10.5),
    _inch("na_invoice_5.5x8.5in", 5.5, 8.5),
    _inch("na_ledger_11x17in", 11, 17),
    _inch("na_arch-b_12x18in", 12, 18),
    _inch("na_super-b_13x19in", 13, 19),
    _inch("na_c_17x22in", 17, 22),
    _inch("na_index-4x6_4x6in", 4, 6),
    _inch("na_5x7_5x7in", 5, 7),
    _inch("na_index-5x8_5x8in", 5, 8),
    _inch("na_number-10_4.125x9.5in", 4.125, 9.5),
    _inch("na_monarch_3.875x7.5in", 3.875, 7.5),
    _inch("na_foolscap_8.5x13in", 8.5, 13),
    _inch("oe_photo-l_3.5x5in", 3.5, 5),
)
DEFAULT_MEDIA_NAME = "iso_a4_210x297mm"
_BY_NAME = {size.name: size for size in PWG_MEDIA}


def media_by_name(name: str) -> MediaSize | None:
    """The size of a known PWG media name, else None."""
    return _BY_NAME.get(name)

"""PWG 5101.1 self-describing media names for physical page sizes."""

from __future__ import annotations

from dataclasses import dataclass

#: Largest difference (mm) on each edge for a page to take a standard media name.
MEDIA_TOLERANCE_MM = 2.0
_INCH = 25.4


@dataclass(frozen=True)
class Media:
    name: str
    width_mm: float  # short edge
    height_mm: float  # long edge


def _mm(name: str, w: float, h: float) -> Media:
    return Media(name, w, h)


def _inch(name: str, w: float, h: float) -> Media:
    return Media(name, w * _INCH, h * _INCH)


PWG_MEDIA: tuple[Media, ...] = (
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

_BY_NAME = {m.name: m for m in PWG_MEDIA}


def media_name(width_mm: float, height_mm: float, tolerance_mm: float = MEDIA_TOLERANCE_MM) -> str:
    """The nearest PWG media name within ``tolerance_mm`` on both edges, whatever the
    orientation, else ``custom_<short>x<long>mm`` (rounded to whole millimetres)."""
    short, long_ = sorted((abs(width_mm), abs(height_mm)))
    best: Media | None = None
    best_err = tolerance_mm * 2 + 1.0
    for m in PWG_MEDIA:
        d_short = abs(m.width_mm - short)
        d_long = abs(m.height_mm - long_)
        if d_short <= tolerance_mm and d_long <= tolerance_mm and d_short + d_long < best_err:
            best, best_err = m, d_short + d_long
    if best is not None:
        return best.name
    return f"custom_{round(short)}x{round(long_)}mm"


def media_size(name: str) -> tuple[float, float] | None:
    """(short, long) edge in mm of a known PWG name or of a ``custom_WxHmm`` name."""
    known = _BY_NAME.get(name)
    if known is not None:
        return known.width_mm, known.height_mm
    if name.startswith("custom_") and name.endswith("mm"):
        dims = name[len("custom_") : -2].rsplit("_", 1)[-1]
        w, sep, h = dims.partition("x")
        if sep:
            try:
                return float(w), float(h)
            except ValueError:
                return None
    return None


def orientation(width_mm: float, height_mm: float) -> str:
    """``landscape`` when the page as displayed is wider than tall, else ``portrait``."""
    return "landscape" if width_mm > height_mm + 0.01 else "portrait"


def points_to_mm(points: float) -> float:
    return points * _INCH / 72.0

"""Colour verdicts for PDF images by looking at their decoded samples.

Grey, stencil-mask and neutral-palette images are mono without decoding. Other images
are decoded (JPEG at a reduced scale, which libjpeg does almost for free) and their
pixels are checked with ``pixels.max_spread``. Anything not decodable is AMBIGUOUS.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from typing import Any

from PIL import Image
from pypdf.generic import ArrayObject, StreamObject

from printwarden.documents.model import PIXEL_TOLERANCE
from printwarden.documents.pdf_content import InlineImage
from printwarden.documents.pdf_spaces import (
    AMBIGUOUS,
    COLOR,
    MONO,
    Space,
    judge_space,
    judge_values,
    parse_space,
)
from printwarden.documents.pixels import max_spread

_CODED_FORMATS = ("JPEG", "JPEG2000")
_HEX = frozenset("0123456789abcdefABCDEF")
_INLINE_SPACES = {"/G": "/DeviceGray", "/RGB": "/DeviceRGB", "/CMYK": "/DeviceCMYK"}


def _filters(obj: Any) -> list[str]:
    f = obj.get("/Filter")
    if f is None:
        return []
    f = f.get_object()
    return [str(x) for x in f] if isinstance(f, ArrayObject) else [str(f)]


def judge_image(
    stream: StreamObject, decode: Callable[[StreamObject], bytes], max_pixels: int
) -> int:
    if stream.get("/ImageMask"):
        return MONO  # painted in the current fill colour, judged where it is set
    filters = _filters(stream)
    width = int(stream.get("/Width", 0))
    height = int(stream.get("/Height", 0))
    cs = stream.get("/ColorSpace")
    if cs is None:
        if filters and filters[-1] == "/JPXDecode":
            return _judge_encoded(decode(stream), None, width, height)
        return AMBIGUOUS
    space = parse_space(cs)
    general = judge_space(space)
    if general != AMBIGUOUS:
        return general
    if width * height > max_pixels or width <= 0 or height <= 0:
        return AMBIGUOUS
    bpc = int(stream.get("/BitsPerComponent", 8))
    if filters and filters[-1] in ("/DCTDecode", "/JPXDecode"):
        return _judge_encoded(decode(stream), space, width, height)
    return judge_samples(decode(stream), space, width, height, bpc)


def _judge_encoded(data: bytes, space: Space | None, width: int, height: int) -> int:
    try:
        img = Image.open(io.BytesIO(data), formats=_CODED_FORMATS)
        if img.format == "JPEG":
            # DC-only decoding (1/8 scale): block averages keep the chroma of anything
            # larger than a JPEG block, which already subsamples chroma.
            w, h = img.size
            img.draft(img.mode, (max(1, w // 8), max(1, h // 8)))
        img.load()
    except Exception:
        return AMBIGUOUS
    if space is not None and space.kind in ("separation", "devicen", "indexed", "lab"):
        return AMBIGUOUS
    return MONO if max_spread(img) <= PIXEL_TOLERANCE else COLOR


def judge_samples(data: bytes, space: Space, width: int, height: int, bpc: int) -> int:
    """Judge raw (already unfiltered) image samples."""
    try:
        if space.kind == "indexed" and space.base is not None:
            return _judge_indexed(data, space, width, height, bpc)
        modes = {"rgb": "RGB", "cmyk": "CMYK"}
        mode = modes.get(space.kind)
        if mode is None:
            return AMBIGUOUS
        n = space.n
        if bpc == 16:
            data = data[0::2]  # high bytes of big-endian samples
            data = data[: width * height * n]
        elif bpc != 8:
            return AMBIGUOUS
        row = width * n
        if len(data) < row * height:
            height = len(data) // row
            if height == 0:
                return AMBIGUOUS
        img = Image.frombytes(mode, (width, height), data[: row * height])
    except Exception:
        return AMBIGUOUS
    return MONO if max_spread(img) <= PIXEL_TOLERANCE else COLOR


def _judge_indexed(data: bytes, space: Space, width: int, height: int, bpc: int) -> int:
    assert space.base is not None
    rawmode = {1: "P;1", 2: "P;2", 4: "P;4", 8: "P"}.get(bpc)
    if rawmode is None:
        return AMBIGUOUS
    stride = (width * bpc + 7) // 8
    height = min(height, len(data) // stride) if stride else 0
    if height <= 0:
        return AMBIGUOUS
    img = Image.frombytes("P", (width, height), data[: stride * height], "raw", rawmode)
    verdict = MONO
    for index, count in enumerate(img.histogram()):
        if count and index < len(space.palette):
            verdict = max(verdict, judge_values(space.base, space.palette[index]))
    return verdict


def judge_inline_image(image: InlineImage, lookup: Callable[[str], Any], max_pixels: int) -> int:
    p = image.params
    if p.get("IM", p.get("ImageMask")) == "true":
        return MONO
    cs_name = p.get("CS", p.get("ColorSpace", "/DeviceGray"))
    if cs_name.startswith("["):
        return AMBIGUOUS
    cs_name = _INLINE_SPACES.get(cs_name, cs_name)
    space = parse_space(_Name(cs_name), lookup)
    general = judge_space(space)
    if general != AMBIGUOUS:
        return general
    try:
        width = int(float(p.get("W", p.get("Width", "0"))))
        height = int(float(p.get("H", p.get("Height", "0"))))
        bpc = int(float(p.get("BPC", p.get("BitsPerComponent", "8"))))
    except ValueError:
        return AMBIGUOUS
    if width * height > max_pixels:
        return AMBIGUOUS
    filt = p.get("F", p.get("Filter", ""))
    data = image.data
    if filt in ("/AHx", "/ASCIIHexDecode"):
        hexdigits = bytes(c for c in data.split(b">", 1)[0] if chr(c) in _HEX)
        data = bytes.fromhex((hexdigits + b"0" * (len(hexdigits) % 2)).decode())
        filt = ""
    if filt in ("/DCT", "/DCTDecode"):
        return _judge_encoded(data, space, width, height)
    if filt in ("/Fl", "/FlateDecode"):
        try:
            data = zlib.decompress(data)
        except zlib.error:
            return AMBIGUOUS
    elif filt:
        return AMBIGUOUS
    return judge_samples(data, space, width, height, bpc)


class _Name(str):
    """A bare name string that ``parse_space`` accepts like a pypdf NameObject."""

    def get_object(self) -> _Name:
        return self

"""PDF colour spaces and the neutrality of colour values given in them.

Rules (see docs/analysis.md): a grey is always neutral; RGB is neutral when its
components differ by at most ``NEUTRAL_TOLERANCE``; CMYK when C, M and Y differ by at
most that much (so C=M=Y greys are neutral) or when K is full (rich black); Lab when a*
and b* are within 1 unit of 0. Separation ``Black``/``All``/``None`` are neutral,
``Cyan``/``Magenta``/``Yellow`` are colour, other spot colours are judged by what their
tint transform gives in the alternate space.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pypdf.generic import ArrayObject, StreamObject

from printwarden.documents.model import NEUTRAL_TOLERANCE, RICH_BLACK_K
from printwarden.documents.pdf_functions import evaluate

MONO, AMBIGUOUS, COLOR = 0, 1, 2
NEUTRAL_SPOTS = frozenset({"Black", "All", "None"})
PROCESS = ("Cyan", "Magenta", "Yellow", "Black")


@dataclass(frozen=True)
class Space:
    kind: str  # gray rgb cmyk lab indexed separation devicen pattern unknown
    n: int
    names: tuple[str, ...] = ()
    base: Space | None = None
    palette: tuple[tuple[float, ...], ...] = ()
    fn: Any = None


GRAY = Space("gray", 1)
RGB = Space("rgb", 3)
CMYK = Space("cmyk", 4)
UNKNOWN = Space("unknown", 0)

_DEVICE = {
    "/DeviceGray": GRAY,
    "/G": GRAY,
    "/CalGray": GRAY,
    "/DeviceRGB": RGB,
    "/RGB": RGB,
    "/CalRGB": RGB,
    "/DeviceCMYK": CMYK,
    "/CMYK": CMYK,
}


def device_space(name: str) -> Space | None:
    if name == "/Pattern":
        return Space("pattern", 0)
    return _DEVICE.get(name)


def parse_space(obj: Any, lookup: Any = None) -> Space:
    """A ``Space`` from a colour space object; ``lookup`` resolves resource names."""
    obj = obj.get_object() if obj is not None else None
    if isinstance(obj, str):  # NameObject is a str
        known = device_space(str(obj))
        if known is not None:
            return known
        if lookup is not None:
            target = lookup(str(obj))
            if target is not None:
                return parse_space(target)
        return UNKNOWN
    if not isinstance(obj, ArrayObject) or not obj:
        return UNKNOWN
    family = str(obj[0])
    if family in _DEVICE and len(obj) >= 1 and family not in ("/CalGray", "/CalRGB"):
        return _DEVICE[family]
    if family == "/CalGray":
        return GRAY
    if family == "/CalRGB":
        return RGB
    if family == "/Lab":
        return Space("lab", 3)
    if family == "/ICCBased":
        stream = obj[1].get_object()
        n = int(stream.get("/N", 0)) if isinstance(stream, StreamObject) else 0
        return {1: GRAY, 3: RGB, 4: CMYK}.get(n, UNKNOWN)
    if family in ("/Indexed", "/I"):
        base = parse_space(obj[1], lookup)
        return Space("indexed", 1, base=base, palette=_palette(obj[3], base))
    if family == "/Separation":
        return Space("separation", 1, names=(str(obj[1])[1:],), base=parse_space(obj[2]), fn=obj[3])
    if family == "/DeviceN":
        names = tuple(str(n)[1:] for n in obj[1].get_object())
        return Space("devicen", len(names), names=names, base=parse_space(obj[2]), fn=obj[3])
    if family == "/Pattern":
        if len(obj) < 2:
            return Space("pattern", 0)
        under = parse_space(obj[1], lookup)
        return Space("pattern", under.n, base=under)
    return UNKNOWN


def _palette(lookup_obj: Any, base: Space) -> tuple[tuple[float, ...], ...]:
    raw = lookup_obj.get_object()
    data = raw.get_data() if isinstance(raw, StreamObject) else bytes(raw.original_bytes)
    n = max(base.n, 1)
    return tuple(tuple(b / 255.0 for b in data[i : i + n]) for i in range(0, len(data) - n + 1, n))


def _spread(values: Sequence[float]) -> float:
    return max(values) - min(values)


def judge_values(space: Space, values: Sequence[float]) -> int:
    """MONO, COLOR or AMBIGUOUS for one colour value in ``space``."""
    kind = space.kind
    if kind == "gray":
        return MONO
    vals = list(values[-space.n :]) if space.n else []
    if kind == "rgb":
        if len(vals) < 3:
            return MONO
        return MONO if _spread(vals) <= NEUTRAL_TOLERANCE else COLOR
    if kind == "cmyk":
        if len(vals) < 4:
            return MONO
        if _spread(vals[:3]) <= NEUTRAL_TOLERANCE or vals[3] >= RICH_BLACK_K:
            return MONO
        return COLOR
    if kind == "lab":
        if len(vals) < 3:
            return MONO
        return MONO if abs(vals[1]) <= 1.0 and abs(vals[2]) <= 1.0 else COLOR
    if kind == "indexed" and space.base is not None:
        if not vals:
            return MONO
        idx = int(vals[0])
        if 0 <= idx < len(space.palette):
            return judge_values(space.base, space.palette[idx])
        return AMBIGUOUS
    if kind in ("separation", "devicen"):
        return _judge_spot(space, vals)
    return AMBIGUOUS


def _judge_spot(space: Space, vals: list[float]) -> int:
    if space.base is not None and space.base.kind == "gray":
        return MONO
    inked = [
        (name, v)
        for name, v in zip(space.names, vals, strict=False)
        if v > NEUTRAL_TOLERANCE and name not in NEUTRAL_SPOTS
    ]
    if not inked:
        return MONO
    if all(name in PROCESS for name, _ in inked):
        cmyk = [dict(inked).get(p, 0.0) for p in PROCESS]
        return judge_values(CMYK, cmyk)
    if space.fn is None or space.base is None:
        return AMBIGUOUS
    out = evaluate(space.fn, vals)
    if out is None:
        return AMBIGUOUS
    return judge_values(space.base, out)


def judge_space(space: Space) -> int:
    """Whether any value in ``space`` could be colour: MONO when none can, COLOR when a
    spot colour is certainly colour at full tint, else AMBIGUOUS (values decide)."""
    kind = space.kind
    if kind == "gray":
        return MONO
    if kind == "indexed" and space.base is not None:
        if all(judge_values(space.base, e) == MONO for e in space.palette):
            return MONO
        return AMBIGUOUS
    if kind in ("separation", "devicen"):
        if all(n in NEUTRAL_SPOTS for n in space.names):
            return MONO
        if space.base is not None and space.base.kind == "gray":
            return MONO
        if kind == "devicen":
            return AMBIGUOUS
        full = judge_values(space, [1.0] * space.n)
        half = judge_values(space, [0.5] * space.n)
        return max(full, half)
    return AMBIGUOUS

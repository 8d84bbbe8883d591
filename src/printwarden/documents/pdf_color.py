"""Colour verdicts for PDF pages from their content, without rendering.

A page is colour when anything it paints (content, forms, images, patterns, shadings,
printable annotation appearances) sets a non-neutral colour. Verdicts are MONO, COLOR
or AMBIGUOUS; an ambiguous page is settled by rendering it (see ``pdf_render``).
Results for shared objects (forms, images, patterns, shadings) are cached by object
number, so a logo repeated on 500 pages is examined once.
"""

from __future__ import annotations

import time
from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from printwarden.documents.pdf_content import InlineImage, scan_content
from printwarden.documents.pdf_functions import evaluate
from printwarden.documents.pdf_images import judge_image, judge_inline_image
from printwarden.documents.pdf_spaces import (
    AMBIGUOUS,
    CMYK,
    COLOR,
    GRAY,
    MONO,
    RGB,
    UNKNOWN,
    Space,
    device_space,
    judge_space,
    judge_values,
    parse_space,
)
from printwarden.documents.pdf_streams import stream_bytes

_MAX_DEPTH = 24
_ANNOT_HIDDEN = 2
_ANNOT_PRINT = 4
_SKIP_ANNOTS = frozenset({"/Popup", "/Link"})


class BudgetExceeded(Exception):
    """Raised inside a page when the time or decompression budget is spent."""


class ColorJudge:
    def __init__(self, *, deadline: float, max_decompressed: int, max_pixels: int) -> None:
        self.deadline = deadline
        self.max_decompressed = max_decompressed
        self.max_pixels = max_pixels
        self.decompressed = 0
        self._cache: dict[tuple[str, int, int], int] = {}
        self._active: set[tuple[str, int, int]] = set()

    # -- budgets ---------------------------------------------------------------------
    def decode(self, stream: StreamObject) -> bytes:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded("time budget exceeded")
        data = stream_bytes(stream)
        self.decompressed += len(data)
        if self.decompressed > self.max_decompressed:
            raise BudgetExceeded("decompressed-size budget exceeded")
        return data

    # -- pages -----------------------------------------------------------------------
    def judge_page(self, page: DictionaryObject) -> int:
        resources = _dict(page.get("/Resources"))
        data = self._page_content(page.get("/Contents"))
        verdict = self.judge_content(data, resources, 0)
        if verdict == COLOR:
            return COLOR
        return max(verdict, self._judge_annotations(page, resources))

    def _page_content(self, contents: Any) -> bytes:
        if contents is None:
            return b""
        obj = contents.get_object()
        if isinstance(obj, ArrayObject):
            return b"\n".join(
                self.decode(part.get_object())
                for part in obj
                if isinstance(part.get_object(), StreamObject)
            )
        if isinstance(obj, StreamObject):
            return self.decode(obj)
        return b""

    def _judge_annotations(self, page: DictionaryObject, resources: DictionaryObject) -> int:
        annots = page.get("/Annots")
        if annots is None:
            return MONO
        verdict = MONO
        for ref in _array(annots):
            annot = ref.get_object()
            if not isinstance(annot, DictionaryObject):
                continue
            flags = int(annot.get("/F", 0))
            if flags & _ANNOT_HIDDEN or not flags & _ANNOT_PRINT:
                continue
            if annot.get("/Subtype") in _SKIP_ANNOTS:
                continue
            appearance = _dict(annot.get("/AP")).get("/N")
            if appearance is None:
                verdict = max(verdict, _judge_annot_colours(annot))
            else:
                verdict = max(verdict, self._judge_appearance(annot, appearance, resources))
            if verdict == COLOR:
                break
        return verdict

    def _judge_appearance(self, annot: DictionaryObject, ap: Any, resources: Any) -> int:
        obj = ap.get_object()
        if isinstance(obj, StreamObject):
            return self.judge_xobject(ap, resources, 0)
        if isinstance(obj, DictionaryObject):
            state = annot.get("/AS")
            refs = (
                [obj.raw_get(state)]
                if state is not None and state in obj
                else [obj.raw_get(k) for k in obj]
            )
            return max((self.judge_xobject(r, resources, 0) for r in refs), default=MONO)
        return MONO

    # -- content streams -------------------------------------------------------------
    def judge_content(self, data: bytes, resources: DictionaryObject, depth: int) -> int:
        if depth > _MAX_DEPTH:
            return AMBIGUOUS
        scan = scan_content(data)
        verdict = MONO
        fill: Space = GRAY
        stroke: Space = GRAY
        stack: list[tuple[Space, Space]] = []
        for op, args in scan.ops:
            v = MONO
            if op == "q":
                stack.append((fill, stroke))
            elif op == "Q":
                if stack:
                    fill, stroke = stack.pop()
            elif op == "g":
                fill = GRAY
            elif op == "G":
                stroke = GRAY
            elif op in ("rg", "RG"):
                if op == "rg":
                    fill = RGB
                else:
                    stroke = RGB
                v = judge_values(RGB, _nums(args))
            elif op in ("k", "K"):
                if op == "k":
                    fill = CMYK
                else:
                    stroke = CMYK
                v = judge_values(CMYK, _nums(args))
            elif op in ("cs", "CS"):
                space = self._space_by_name(args, resources)
                if op == "cs":
                    fill = space
                else:
                    stroke = space
            elif op in ("sc", "scn", "SC", "SCN"):
                space = fill if op[0] == "s" else stroke
                v = self._judge_set_color(space, args, resources, depth)
            elif op == "sh":
                if args and isinstance(args[-1], str):
                    shading = _dict(resources.get("/Shading")).raw_get("/" + args[-1])
                    v = self.judge_shading(shading) if shading is not None else MONO
            elif op == "Do" and args and isinstance(args[-1], str):
                ref = _dict(resources.get("/XObject")).raw_get("/" + args[-1])
                if ref is not None:
                    v = self.judge_xobject(ref, resources, depth + 1)
            if v > verdict:
                verdict = v
                if verdict == COLOR:
                    return COLOR
        for image in scan.inline_images:
            verdict = max(verdict, self._judge_inline(image, resources))
            if verdict == COLOR:
                break
        return verdict

    def _space_by_name(self, args: tuple[float | str, ...], resources: DictionaryObject) -> Space:
        if not args or not isinstance(args[-1], str):
            return UNKNOWN
        name = "/" + args[-1]
        known = device_space(name)
        if known is not None:
            return known
        spaces = _dict(resources.get("/ColorSpace"))
        obj = spaces.get(name)
        if obj is None:
            return UNKNOWN
        try:
            return parse_space(obj, lambda n: spaces.get(n))
        except Exception:
            return UNKNOWN

    def _judge_set_color(
        self, space: Space, args: tuple[float | str, ...], resources: Any, depth: int
    ) -> int:
        if space.kind == "pattern" or (args and isinstance(args[-1], str)):
            if not args or not isinstance(args[-1], str):
                return AMBIGUOUS
            ref = _dict(resources.get("/Pattern")).raw_get("/" + args[-1])
            if ref is None:
                return MONO
            v = self.judge_pattern(ref, depth + 1)
            if v == COLOR or space.base is None:
                return v
            return max(v, judge_values(space.base, _nums(args[:-1])))
        return judge_values(space, _nums(args))

    def _judge_inline(self, image: InlineImage, resources: DictionaryObject) -> int:
        spaces = _dict(resources.get("/ColorSpace"))
        return judge_inline_image(image, lambda n: spaces.get(n), self.max_pixels)

    # -- shared objects (cached) -------------------------------------------------------
    def _cached(self, kind: str, ref: Any, compute: Any) -> int:
        key = None
        if isinstance(ref, IndirectObject):
            key = (kind, ref.idnum, ref.generation)
            if key in self._cache:
                return self._cache[key]
            if key in self._active:
                return MONO
            self._active.add(key)
        try:
            verdict: int = compute(ref.get_object())
        except BudgetExceeded:
            raise
        except Exception:
            verdict = AMBIGUOUS
        finally:
            if key is not None:
                self._active.discard(key)
        if key is not None:
            self._cache[key] = verdict
        return verdict

    def judge_xobject(self, ref: Any, resources: Any, depth: int) -> int:
        obj = ref.get_object()
        if not isinstance(obj, StreamObject):
            return MONO
        subtype = obj.get("/Subtype")
        if subtype == "/Image":
            return self._cached(
                "image", ref, lambda o: judge_image(o, self.decode, self.max_pixels)
            )
        if subtype == "/Form" or subtype is None:
            own = obj.get("/Resources")
            if own is None:
                # Inherits the caller's resources: cache per (form, resources) pair.
                return self._judge_form(obj, _dict(resources), depth)
            return self._cached("form", ref, lambda o: self._judge_form(o, _dict(own), depth))
        return MONO

    def _judge_form(self, form: StreamObject, resources: DictionaryObject, depth: int) -> int:
        group = _dict(form.get("/Group"))
        v = MONO
        if "/CS" in group and parse_space(group["/CS"]).kind == "unknown":
            v = AMBIGUOUS
        return max(v, self.judge_content(self.decode(form), resources, depth + 1))

    def judge_pattern(self, ref: Any, depth: int) -> int:
        def compute(pattern: Any) -> int:
            ptype = int(pattern.get("/PatternType", 1))
            if ptype == 2:
                shading = pattern.raw_get("/Shading")
                return self.judge_shading(shading) if shading is not None else MONO
            if int(pattern.get("/PaintType", 1)) == 2:
                return MONO  # uncoloured: the colour comes with scn, judged by the caller
            return self.judge_content(
                self.decode(pattern), _dict(pattern.get("/Resources")), depth + 1
            )

        return self._cached("pattern", ref, compute)

    def judge_shading(self, ref: Any) -> int:
        def compute(shading: Any) -> int:
            space = parse_space(shading.get("/ColorSpace"))
            general = judge_space(space)
            if general != AMBIGUOUS:
                return general
            fn = shading.get("/Function")
            if fn is None:
                return AMBIGUOUS  # mesh shadings carry colours per vertex: render
            stype = int(shading.get("/ShadingType", 2))
            domain = [float(x) for x in shading.get("/Domain", [0, 1, 0, 1])]
            points = _sample_points(stype, domain)
            verdict = MONO
            for p in points:
                out = evaluate(fn, p)
                if out is None:
                    return AMBIGUOUS
                verdict = max(verdict, judge_values(space, out))
            return verdict

        return self._cached("shading", ref, compute)


def _sample_points(stype: int, domain: list[float]) -> list[list[float]]:
    steps = [i / 8 for i in range(9)]
    if stype == 1 and len(domain) >= 4:
        xs = [domain[0] + s * (domain[1] - domain[0]) for s in steps]
        ys = [domain[2] + s * (domain[3] - domain[2]) for s in steps]
        return [[x, y] for x in xs for y in ys]
    lo, hi = (domain[0], domain[1]) if len(domain) >= 2 else (0.0, 1.0)
    return [[lo + s * (hi - lo)] for s in steps]


def _judge_annot_colours(annot: DictionaryObject) -> int:
    """Printable annotations without an appearance: judge their /C and /IC colours."""
    verdict = MONO
    for key in ("/C", "/IC"):
        comps = annot.get(key)
        if comps is None:
            continue
        values = [float(x) for x in comps]
        space = {1: GRAY, 3: RGB, 4: CMYK}.get(len(values))
        if space is not None:
            verdict = max(verdict, judge_values(space, values))
    return verdict


def _nums(args: tuple[float | str, ...]) -> list[float]:
    return [a for a in args if isinstance(a, float)]


def _dict(obj: Any) -> DictionaryObject:
    if obj is None:
        return DictionaryObject()
    obj = obj.get_object()
    return obj if isinstance(obj, DictionaryObject) else DictionaryObject()


def _array(obj: Any) -> list[Any]:
    obj = obj.get_object()
    return list(obj) if isinstance(obj, ArrayObject) else []

"""A fast scan of decoded PDF content streams for the operators that carry colour.

The scanner does not build a full operator list: string literals and inline image data
are cut out first, then one regular expression finds the colour-related operators
(``g G rg RG k K cs CS sc SC scn SCN sh Do q Q``) and their operands are read back from
the few bytes before each. This is exact for well-formed streams; string literals with
more than one level of unescaped nested parentheses are the known approximation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DELIM_BEFORE = rb"(?<![^\s)\]>}])"
_DELIM_AFTER = rb"(?=[\s()<>\[\]{}/%]|$)"
_OPS = re.compile(_DELIM_BEFORE + rb"(rg|RG|k|K|g|G|scn|SCN|sc|SC|cs|CS|sh|Do|q|Q)" + _DELIM_AFTER)
_STRING = re.compile(rb"\((?:[^\\()]++|\\.|\((?:[^\\()]++|\\.)*+\))*+\)", re.DOTALL)
_BI = re.compile(_DELIM_BEFORE + rb"BI(?=[\s/])")
_ID = re.compile(_DELIM_BEFORE + rb"ID(?=\s)")
_EI = re.compile(rb"\sEI(?=[\s]|$)")
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)\Z")
_DICT_TOKEN = re.compile(rb"/[^\s()<>\[\]{}/%]*|\[[^\]]*\]|[-+]?[\d.]+|true|false")

#: Operators whose operands we read back (numbers and names).
_OPERAND_WINDOW = 160


@dataclass(frozen=True)
class InlineImage:
    params: dict[str, str]
    data: bytes


@dataclass(frozen=True)
class ContentScan:
    #: (operator, operands) in stream order; operands are numbers (float) or names (str).
    ops: tuple[tuple[str, tuple[float | str, ...]], ...]
    inline_images: tuple[InlineImage, ...]


def _operands(data: bytes, end: int) -> tuple[float | str, ...]:
    tokens = data[max(0, end - _OPERAND_WINDOW) : end].split()
    out: list[float | str] = []
    for tok in reversed(tokens):
        if tok.startswith(b"/") and len(tok) > 1 and b"/" not in tok[1:]:
            out.append(_name(tok[1:]))
        elif _NUMBER.match(tok):
            out.append(float(tok))
        else:
            break
        if len(out) >= 33:
            break
    out.reverse()
    return tuple(out)


def _name(raw: bytes) -> str:
    if b"#" in raw:
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return raw.decode("latin-1")


def _parse_inline_dict(raw: bytes) -> dict[str, str]:
    toks = _DICT_TOKEN.findall(raw)
    params: dict[str, str] = {}
    i = 0
    while i + 1 < len(toks):
        key = toks[i]
        if key.startswith(b"/"):
            params[_name(key[1:])] = toks[i + 1].decode("latin-1")
            i += 2
        else:
            i += 1
    return params


def _cut_inline_images(data: bytes) -> tuple[bytes, list[InlineImage]]:
    images: list[InlineImage] = []
    parts: list[bytes] = []
    pos = 0
    while True:
        m = _BI.search(data, pos)
        if m is None:
            break
        id_m = _ID.search(data, m.end())
        if id_m is None:
            break
        params = _parse_inline_dict(data[m.end() : id_m.start()])
        start = id_m.end() + 1
        end = _inline_end(data, start, params)
        images.append(InlineImage(params, data[start:end]))
        parts.append(data[pos : m.start()])
        ei = _EI.search(data, max(start, end - 1))
        pos = ei.end() if ei is not None else len(data)
    parts.append(data[pos:])
    return b" ".join(parts), images


def _inline_end(data: bytes, start: int, params: dict[str, str]) -> int:
    """End of inline image data: computed when unfiltered, else up to the next EI."""
    if "F" not in params and "Filter" not in params:
        try:
            w = int(float(params.get("W", params.get("Width", "0"))))
            h = int(float(params.get("H", params.get("Height", "0"))))
            bpc = int(float(params.get("BPC", params.get("BitsPerComponent", "8"))))
            mask = params.get("IM", params.get("ImageMask", "false")) == "true"
            cs = params.get("CS", params.get("ColorSpace", "/G"))
            comps = 1 if mask else {"/RGB": 3, "/DeviceRGB": 3, "/CMYK": 4}.get(cs, 1)
            if mask:
                bpc = 1
            length = ((w * comps * bpc + 7) // 8) * h
            if 0 < length <= len(data) - start:
                return start + length
        except ValueError:
            pass
    ei = _EI.search(data, start)
    return ei.start() if ei is not None else len(data)


def scan_content(data: bytes) -> ContentScan:
    """Colour-relevant operators and inline images of one decoded content stream."""
    images: list[InlineImage] = []
    if b"BI" in data:
        data, images = _cut_inline_images(data)
    if b"(" in data:
        data = _STRING.sub(b"()", data)
    ops: list[tuple[str, tuple[float | str, ...]]] = []
    append = ops.append
    for m in _OPS.finditer(data):
        op = m.group(1)
        if op == b"q" or op == b"Q":
            append((op.decode(), ()))
        else:
            append((op.decode(), _operands(data, m.start())))
    return ContentScan(tuple(ops), tuple(images))

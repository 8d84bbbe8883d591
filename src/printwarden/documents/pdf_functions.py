"""Evaluation of PDF functions (ISO 32000-1 section 7.10): types 0, 2, 3 and 4.

Used to see what a tint transform or a shading produces. Any function that cannot be
evaluated yields ``None`` and the caller treats the colour as ambiguous.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from printwarden.documents.pdf_streams import stream_bytes

_PS_TOKEN = re.compile(rb"[{}]|[^\s{}]+")
_MAX_SAMPLES = 1 << 20


def _floats(obj: Any, default: Sequence[float]) -> list[float]:
    if obj is None:
        return list(default)
    return [float(x) for x in obj.get_object()]


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def evaluate(fn: Any, inputs: Sequence[float]) -> list[float] | None:
    """Outputs of ``fn`` at ``inputs``; an array of 1-output functions is concatenated."""
    try:
        obj = fn.get_object()
        if isinstance(obj, ArrayObject):
            out: list[float] = []
            for sub in obj:
                r = evaluate(sub, inputs)
                if r is None:
                    return None
                out.extend(r)
            return out
        if not isinstance(obj, DictionaryObject):
            return None
        kind = int(obj.get("/FunctionType", -1))
        domain = _floats(obj.get("/Domain"), [0.0, 1.0] * len(inputs))
        xs = [_clip(x, domain[2 * i], domain[2 * i + 1]) for i, x in enumerate(inputs)]
        result: list[float] | None
        if kind == 2:
            result = _type2(obj, xs[0])
        elif kind == 3:
            result = _type3(obj, xs[0], domain)
        elif kind == 0 and isinstance(obj, StreamObject):
            result = _type0(obj, xs, domain)
        elif kind == 4 and isinstance(obj, StreamObject):
            result = _type4(obj, xs)
        else:
            return None
        if result is None:
            return None
        if "/Range" in obj:
            rng = _floats(obj["/Range"], [])
            result = [
                _clip(v, rng[2 * i], rng[2 * i + 1]) if 2 * i + 1 < len(rng) else v
                for i, v in enumerate(result)
            ]
        return result
    except (ValueError, TypeError, KeyError, IndexError, ZeroDivisionError, OverflowError):
        return None
    except Exception:
        return None


def _type2(obj: Any, x: float) -> list[float]:
    c0 = _floats(obj.get("/C0"), [0.0])
    c1 = _floats(obj.get("/C1"), [1.0])
    n = float(obj.get("/N", 1))
    t = x**n
    return [a + t * (b - a) for a, b in zip(c0, c1, strict=False)]


def _type3(obj: Any, x: float, domain: list[float]) -> list[float] | None:
    fns = obj["/Functions"].get_object()
    bounds = _floats(obj.get("/Bounds"), [])
    encode = _floats(obj.get("/Encode"), [0.0, 1.0] * len(fns))
    k = 0
    while k < len(bounds) and x >= bounds[k]:
        k += 1
    lo = domain[0] if k == 0 else bounds[k - 1]
    hi = domain[1] if k == len(bounds) else bounds[k]
    e0, e1 = encode[2 * k], encode[2 * k + 1]
    t = e0 if hi == lo else e0 + (x - lo) * (e1 - e0) / (hi - lo)
    return evaluate(fns[k], [t])


def _type0(obj: Any, xs: list[float], domain: list[float]) -> list[float] | None:
    if len(xs) != 1:
        return None
    size = [int(s) for s in obj["/Size"]]
    bps = int(obj["/BitsPerSample"])
    rng = _floats(obj["/Range"], [])
    n_out = len(rng) // 2
    encode = _floats(obj.get("/Encode"), [0.0, size[0] - 1.0])
    decode = _floats(obj.get("/Decode"), rng)
    if bps not in (8, 16) or size[0] * n_out > _MAX_SAMPLES:
        return None
    x = xs[0]
    span = domain[1] - domain[0] or 1.0
    e = encode[0] + (x - domain[0]) * (encode[1] - encode[0]) / span
    idx = round(_clip(e, 0, size[0] - 1))
    data = stream_bytes(obj)
    step = bps // 8
    top = (1 << bps) - 1
    out = []
    for j in range(n_out):
        off = (idx * n_out + j) * step
        raw = int.from_bytes(data[off : off + step], "big")
        out.append(decode[2 * j] + raw * (decode[2 * j + 1] - decode[2 * j]) / top)
    return out


def _parse_ps(tokens: list[bytes], pos: int) -> tuple[list[Any], int]:
    prog: list[Any] = []
    while pos < len(tokens):
        tok = tokens[pos]
        pos += 1
        if tok == b"{":
            sub, pos = _parse_ps(tokens, pos)
            prog.append(sub)
        elif tok == b"}":
            return prog, pos
        else:
            try:
                prog.append(float(tok))
            except ValueError:
                prog.append(tok.decode("latin-1"))
    return prog, pos


def _type4(obj: StreamObject, xs: list[float]) -> list[float] | None:
    tokens = _PS_TOKEN.findall(stream_bytes(obj))
    prog, _ = _parse_ps(tokens, 0)
    if len(prog) == 1 and isinstance(prog[0], list):
        prog = prog[0]
    stack: list[Any] = list(xs)
    _run(prog, stack, 0)
    return [float(v) for v in stack]


_BIN: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "idiv": lambda a, b: int(a) // int(b),
    "mod": lambda a, b: int(a) % int(b),
    "exp": lambda a, b: a**b,
    "atan": lambda a, b: math.degrees(math.atan2(a, b)) % 360,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "and": lambda a, b: a and b if isinstance(a, bool) else int(a) & int(b),
    "or": lambda a, b: a or b if isinstance(a, bool) else int(a) | int(b),
    "xor": lambda a, b: a != b if isinstance(a, bool) else int(a) ^ int(b),
    "bitshift": lambda a, b: int(a) << int(b) if b >= 0 else int(a) >> -int(b),
}
_UN: dict[str, Callable[[Any], Any]] = {
    "neg": lambda a: -a,
    "abs": abs,
    "ceiling": math.ceil,
    "floor": math.floor,
    "round": lambda a: math.floor(a + 0.5),
    "truncate": math.trunc,
    "sqrt": math.sqrt,
    "sin": lambda a: math.sin(math.radians(a)),
    "cos": lambda a: math.cos(math.radians(a)),
    "ln": math.log,
    "log": math.log10,
    "cvi": lambda a: int(a),
    "cvr": float,
    "not": lambda a: (not a) if isinstance(a, bool) else ~int(a),
}


def _run(prog: list[Any], st: list[Any], depth: int) -> None:
    if depth > 16:
        raise ValueError("too deep")
    for op in prog:
        if isinstance(op, float | list):
            st.append(op)
        elif op in _BIN:
            b = st.pop()
            a = st.pop()
            st.append(_BIN[op](a, b))
        elif op in _UN:
            st.append(_UN[op](st.pop()))
        elif op == "true" or op == "false":
            st.append(op == "true")
        elif op == "dup":
            st.append(st[-1])
        elif op == "exch":
            st[-1], st[-2] = st[-2], st[-1]
        elif op == "pop":
            st.pop()
        elif op == "copy":
            n = int(st.pop())
            if n:
                st.extend(st[-n:])
        elif op == "index":
            st.append(st[-1 - int(st.pop())])
        elif op == "roll":
            j = int(st.pop())
            n = int(st.pop())
            if n:
                part = st[-n:]
                j %= n
                st[-n:] = part[-j:] + part[:-j] if j else part
        elif op == "if":
            proc = st.pop()
            if st.pop():
                _run(proc, st, depth + 1)
        elif op == "ifelse":
            p2 = st.pop()
            p1 = st.pop()
            _run(p1 if st.pop() else p2, st, depth + 1)
        else:
            raise ValueError(f"unsupported operator {op}")

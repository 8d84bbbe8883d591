"""A minimal PDF writer for test documents whose every operator we choose."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

A4 = (595.276, 841.89)
LETTER = (612.0, 792.0)
A3 = (841.89, 1190.55)
LEGAL = (612.0, 1008.0)
A5 = (419.53, 595.276)


@dataclass
class PdfBuilder:
    objects: dict[int, bytes] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)
    _next: int = 3  # 1 = catalog, 2 = page tree

    def reserve(self) -> int:
        num = self._next
        self._next += 1
        return num

    def add(self, body: bytes | str, num: int | None = None) -> int:
        num = self.reserve() if num is None else num
        self.objects[num] = body.encode("latin-1") if isinstance(body, str) else body
        return num

    def stream(self, entries: str, data: bytes, *, compress: bool = True) -> int:
        if compress:
            data = zlib.compress(data)
            entries += " /Filter /FlateDecode"
        head = f"<< {entries} /Length {len(data)} >>\nstream\n".encode("latin-1")
        return self.add(head + data + b"\nendstream")

    def font(self) -> int:
        if not hasattr(self, "_font"):
            self._font = self.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        return self._font

    def page(
        self,
        content: bytes | str,
        *,
        size: tuple[float, float] = A4,
        resources: str = "",
        extra: str = "",
    ) -> int:
        data = content.encode("latin-1") if isinstance(content, str) else content
        contents = self.stream("", data)
        res = f"<< /Font << /F1 {self.font()} 0 R >> {resources} >>"
        num = self.add(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] "
            f"/Contents {contents} 0 R /Resources {res} {extra} >>"
        )
        self.pages.append(num)
        return num

    def build(self, *, break_xref: bool = False) -> bytes:
        kids = " ".join(f"{p} 0 R" for p in self.pages)
        self.objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
        self.objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {len(self.pages)} >>".encode()
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets: dict[int, int] = {}
        for num in sorted(self.objects):
            offsets[num] = len(out)
            out += f"{num} 0 obj\n".encode() + self.objects[num] + b"\nendobj\n"
        xref = len(out)
        size = max(self.objects) + 1
        out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
        for num in range(1, size):
            off = offsets.get(num, 0)
            if break_xref:
                off = (off * 7 + 13) % max(len(out), 1)
            kind = "n" if num in offsets else "f"
            out += f"{off:010d} 00000 {kind} \n".encode()
        out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)


def text(s: str, x: float = 72, y: float = 720, size: int = 14) -> str:
    return f"BT /F1 {size} Tf {x} {y} Td ({s}) Tj ET\n"


def rect(x: float = 72, y: float = 400, w: float = 200, h: float = 100) -> str:
    return f"{x} {y} {w} {h} re f\n"

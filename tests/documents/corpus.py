"""Test corpus generator: documents made at test time with known truth.

Every case records what a correct analyser must report. Documents come from our own
PDF writer (exact operators), Ghostscript (pdfwrite, pwgraster, ljet4, pxlmono,
pxlcolor), pdftocairo, qpdf (encryption), Pillow (images) and hand-written PCL/URF.
Cases whose tool is missing are recorded in ``skipped`` instead of built.
"""

from __future__ import annotations

import io
import random
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter

from tests.documents.pdfbuild import A3, A4, A5, LEGAL, LETTER, PdfBuilder, rect, text

A4_NAME = "iso_a4_210x297mm"
LETTER_NAME = "na_letter_8.5x11in"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    format: str
    pages: int | None  # None: the analyser must fail with a reason
    colors: tuple[bool | None, ...] | None = None  # per page truth
    sizes: dict[str, int] | None = None
    orientations: tuple[str, ...] | None = None
    note: str = ""
    #: False for a file that is read right but whose count another reader may not share
    #: (a repaired file): it is estimated, and the agent rebuilds it before printing.
    count_certain: bool = True


@dataclass
class Corpus:
    root: Path
    cases: dict[str, Case] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def add(self, case: Case) -> None:
        self.cases[case.name] = case


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def run(cmd: list[str], timeout: float = 120) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)


def gs(device: str, src: Path, dst: Path, *extra: str) -> None:
    run(["gs", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-q", f"-sDEVICE={device}",
         *extra, f"-sOutputFile={dst}", str(src)])  # fmt: skip


# -- images -------------------------------------------------------------------------------


def colour_image(w: int = 64, h: int = 48, seed: int = 1) -> Image.Image:
    img = Image.new("RGB", (w, h), (255, 255, 255))
    rnd = random.Random(seed)
    for y in range(h):
        for x in range(w):
            img.putpixel((x, y), (x * 4 % 256, y * 5 % 256, rnd.randrange(256)))
    return img


def grey_image(w: int = 64, h: int = 48) -> Image.Image:
    img = Image.new("L", (w, h))
    img.putdata([(x * 3 + y * 2) % 256 for y in range(h) for x in range(w)])
    return img


def jpeg_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


# -- PDFs from our writer ---------------------------------------------------------------


def build_mixed() -> bytes:
    b = PdfBuilder()
    b.page(text("Black text, DeviceGray") + "0 g " + rect())
    b.page(text("Red rectangle") + "1 0 0 rg " + rect())
    b.page("0.3 0.3 0.3 rg " + text("Neutral RGB grey") + rect())
    b.page(text("CMYK magenta") + "0 1 0 0 k " + rect())
    return b.build()


def build_near_grey() -> bytes:
    b = PdfBuilder()
    b.page("0.5 0.5 0.502 rg " + rect() + text("0.5 0.5 0.502: inside the tolerance"))
    b.page("0.5 0.5 0.53 rg " + rect() + text("0.5 0.5 0.53: outside the tolerance"))
    return b.build()


def _image_xobject(b: PdfBuilder, img: Image.Image, *, jpeg: bool = False) -> int:
    space = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}[img.mode]
    entries = (
        f"/Type /XObject /Subtype /Image /Width {img.width} /Height {img.height} "
        f"/ColorSpace {space} /BitsPerComponent 8"
    )
    if jpeg:
        data = jpeg_bytes(img)
        return b.stream(entries + " /Filter /DCTDecode", data, compress=False)
    return b.stream(entries, img.tobytes())


def _image_page(b: PdfBuilder, xobj: int, label: str) -> None:
    b.page(
        text(label) + "q 200 0 0 150 72 400 cm /Im0 Do Q\n",
        resources=f"/XObject << /Im0 {xobj} 0 R >>",
    )


def build_images() -> bytes:
    b = PdfBuilder()
    neutral_rgb = grey_image().convert("RGB")
    _image_page(b, _image_xobject(b, colour_image()), "Flate RGB colour image")
    _image_page(b, _image_xobject(b, neutral_rgb), "Flate RGB image of greys")
    _image_page(b, _image_xobject(b, colour_image(seed=2), jpeg=True), "JPEG colour")
    _image_page(b, _image_xobject(b, neutral_rgb, jpeg=True), "JPEG RGB of greys")
    # Indexed: a palette holding colours, but the samples use only its grey entries.
    palette = bytes([0, 0, 0, 255, 0, 0, 128, 128, 128, 0, 0, 255])
    samples = bytes((x + y) % 2 * 2 for y in range(32) for x in range(32))
    idx = b.stream(
        "/Type /XObject /Subtype /Image /Width 32 /Height 32 /BitsPerComponent 8 "
        f"/ColorSpace [/Indexed /DeviceRGB 3 <{palette.hex()}>]",
        samples,
    )
    _image_page(b, idx, "Indexed image using grey entries only")
    _image_page(b, _image_xobject(b, grey_image()), "DeviceGray image")
    return b.build()


def build_annotations() -> bytes:
    b = PdfBuilder()
    for flags, label in (
        (4, "printable red annotation"),
        (0, "non-printing red annotation"),
        (None, "no annotation"),
    ):
        if flags is None:
            b.page(text(label))
            continue
        ap = b.stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 100 50]", b"1 0 0 rg 0 0 100 50 re f"
        )
        annot = b.add(
            f"<< /Type /Annot /Subtype /Square /Rect [100 300 200 350] /F {flags} "
            f"/C [1 0 0] /AP << /N {ap} 0 R >> >>"
        )
        b.page(text(label), extra=f"/Annots [{annot} 0 R]")
    return b.build()


def build_cmyk_black() -> bytes:
    b = PdfBuilder()
    b.page("0 0 0 1 k " + rect() + text("CMYK black 0 0 0 1"))
    b.page("0.6 0.4 0.4 1 k " + rect() + text("rich black 0.6 0.4 0.4 1"))
    b.page("0.3 0.3 0.3 0 k " + rect() + text("CMY neutral 0.3 0.3 0.3 0"))
    b.page("0.2 0 0 0.5 k " + rect() + text("CMYK cyan tint 0.2 0 0 0.5"))
    return b.build()


def build_spots() -> bytes:
    b = PdfBuilder()
    fn_pantone = b.add("<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [0 0.8 0.6 0] /N 1 >>")
    fn_grey = b.stream(
        "/FunctionType 4 /Domain [0 1] /Range [0 1 0 1 0 1]",
        b"{ 1 exch sub dup dup }",
        compress=False,
    )
    fn_black = b.add("<< /FunctionType 2 /Domain [0 1] /C0 [0] /C1 [1] /N 1 >>")
    fn_n = b.stream(
        "/FunctionType 4 /Domain [0 1 0 1] /Range [0 1 0 1 0 1 0 1]",
        b"{ 0 0 4 -1 roll }",
        compress=False,
    )
    spaces = (
        f"/ColorSpace << /CS0 [/Separation /Black /DeviceGray {fn_black} 0 R] "
        f"/CS1 [/Separation /PANTONE#20185#20C /DeviceCMYK {fn_pantone} 0 R] "
        f"/CS2 [/Separation /Warm#20Grey /DeviceRGB {fn_grey} 0 R] "
        f"/CS3 [/DeviceN [/Cyan /Black] /DeviceCMYK {fn_n} 0 R] "
        f"/CS4 [/Separation /All /DeviceCMYK {fn_pantone} 0 R] >>"
    )
    for body in (
        "/CS0 cs 1 scn",
        "/CS1 cs 1 scn",
        "/CS2 cs 0.7 scn",
        "/CS3 cs 0 1 scn",
        "/CS3 cs 0.5 0 scn",
        "/CS4 cs 1 scn",
    ):
        b.page(f"{body} {rect()}" + text(body.replace("/", "")), resources=spaces)
    return b.build()


def build_sizes() -> bytes:
    b = PdfBuilder()
    b.page(text("A4 portrait"), size=A4)
    b.page(text("Letter"), size=LETTER)
    b.page(text("A3"), size=A3)
    b.page(text("A4 landscape by Rotate"), size=A4, extra="/Rotate 90")
    b.page(text("A4 landscape by MediaBox"), size=(A4[1], A4[0]))
    b.page(text("A5 by UserUnit 2"), size=(A5[0] / 2, A5[1] / 2), extra="/UserUnit 2")
    b.page(text("Legal"), size=LEGAL)
    b.page(text("custom 100 mm square"), size=(283.465, 283.465))
    b.page(text("A4 crop of A3"), size=A3, extra=f"/CropBox [0 0 {A4[0]} {A4[1]}]")
    return b.build()


def build_paint_kinds() -> bytes:
    b = PdfBuilder()
    red_blue = b.add("<< /FunctionType 2 /Domain [0 1] /C0 [1 0 0] /C1 [0 0 1] /N 1 >>")
    black_white = b.add("<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0] /C1 [1 1 1] /N 1 >>")
    sh1 = b.add(
        f"<< /ShadingType 2 /ColorSpace /DeviceRGB /Coords [0 0 500 0] /Function {red_blue} 0 R >>"
    )
    sh2 = b.add(
        f"<< /ShadingType 2 /ColorSpace /DeviceRGB /Coords [0 0 500 0] "
        f"/Function {black_white} 0 R >>"
    )
    b.page(
        "q 72 400 200 100 re W n /Sh0 sh Q" + text("axial red to blue"),
        resources=f"/Shading << /Sh0 {sh1} 0 R >>",
    )
    b.page(
        "q 72 400 200 100 re W n /Sh0 sh Q" + text("axial black to white"),
        resources=f"/Shading << /Sh0 {sh2} 0 R >>",
    )
    pat = b.stream(
        "/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 "
        "/BBox [0 0 10 10] /XStep 10 /YStep 10 /Resources << >>",
        b"1 0 0 rg 0 0 5 5 re f",
    )
    b.page(
        "/Pattern cs /P0 scn " + rect() + text("coloured tiling pattern"),
        resources=f"/Pattern << /P0 {pat} 0 R >>",
    )
    green = b.stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << >>",
        b"0 0.6 0 rg 0 0 50 50 re f",
    )
    grey = b.stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << >>",
        b"0.4 g 0 0 50 50 re f 0.2 0.2 0.2 RG 0 0 m 50 50 l S",
    )
    outer = b.stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 100 100] "
        f"/Resources << /XObject << /Fx {green} 0 R >> >>",
        b"/Fx Do",
    )
    b.page(
        "q 1 0 0 1 72 400 cm /Fo Do Q" + text("green inside a nested form"),
        resources=f"/XObject << /Fo {outer} 0 R >>",
    )
    b.page(
        "q 1 0 0 1 72 400 cm /Fg Do Q" + text("grey form"),
        resources=f"/XObject << /Fg {grey} 0 R >>",
    )
    return b.build()


def build_inline_images() -> bytes:
    b = PdfBuilder()
    rgb = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]).hex()
    grey = bytes([0, 80, 160, 255]).hex()
    b.page(
        f"q 100 0 0 100 72 400 cm BI /W 2 /H 2 /CS /RGB /BPC 8 /F /AHx ID {rgb}> EI Q"
        + text("inline RGB image")
    )
    raw = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9])
    b.page(
        b"q 100 0 0 100 72 400 cm BI /W 2 /H 2 /CS /RGB /BPC 8 ID "
        + raw
        + b"\nEI Q\n"
        + text("raw inline RGB image").encode()
    )
    b.page(
        f"q 100 0 0 100 72 400 cm BI /W 2 /H 2 /CS /G /BPC 8 /F /AHx ID {grey}> EI Q"
        + text("inline grey image")
    )
    b.page(text("\\(1 0 0 rg\\) and (nested (0 1 0 rg) parens)") + "0 g " + rect())
    return b.build()


def build_zero_pages() -> bytes:
    return PdfBuilder().build()


# -- PostScript -------------------------------------------------------------------------


def _ps_image(w: int, h: int, seed: int, colour: bool) -> str:
    img = colour_image(w, h, seed) if colour else grey_image(w, h)
    data = img.tobytes().hex()
    if colour:
        return (
            f"gsave 72 300 translate 200 150 scale {w} {h} 8 [{w} 0 0 -{h} 0 {h}] "
            f"<{data}> false 3 colorimage grestore\n"
        )
    return (
        f"gsave 72 300 translate 200 150 scale {w} {h} 8 [{w} 0 0 -{h} 0 {h}] "
        f"<{data}> image grestore\n"
    )


def ps_document(pages: list[str], *, dsc: bool, size: tuple[float, float] = A4) -> str:
    out = ["%!PS-Adobe-3.0\n" if dsc else "%!\n"]
    if dsc:
        out.append(
            f"%%Pages: {len(pages)}\n%%BoundingBox: 0 0 {round(size[0])} "
            f"{round(size[1])}\n%%EndComments\n"
        )
    out.append(f"<< /PageSize [{size[0]} {size[1]}] >> setpagedevice\n")
    out.append("/Helvetica findfont 20 scalefont setfont\n")
    for i, body in enumerate(pages, 1):
        if dsc:
            out.append(f"%%Page: {i} {i}\n")
        out.append(body + "showpage\n")
    if dsc:
        out.append("%%Trailer\n%%EOF\n")
    return "".join(out)


PS_PAGES = [
    "0 setgray 72 700 moveto (Black text) show\n",
    "1 0 0 setrgbcolor 72 700 moveto (Red text) show\n",
    "0.5 setgray 72 500 200 100 rectfill 0 setgray 72 700 moveto (Grey) show\n",
    "72 700 moveto (Colour image) show\n" + _ps_image(24, 16, 3, True),
    "72 700 moveto (Grey image) show\n" + _ps_image(24, 16, 4, False),
]
PS_TRUTH = (False, True, False, True, False)


# -- URF ----------------------------------------------------------------------------------


def _packbits_line(line: bytes, bpp: int, *, white_fill: bool) -> bytes:
    pixels = [line[i : i + bpp] for i in range(0, len(line), bpp)]
    white = b"\xff" * bpp
    end = len(pixels)
    if white_fill:
        while end > 0 and pixels[end - 1] == white:
            end -= 1
    out = bytearray()
    i = 0
    while i < end:
        run = 1
        while i + run < end and run < 128 and pixels[i + run] == pixels[i]:
            run += 1
        if run > 1:
            out += bytes([run - 1]) + pixels[i]
            i += run
            continue
        lit = 1
        while i + lit < end and lit < 128 and pixels[i + lit] != pixels[i + lit - 1]:
            lit += 1
        if lit == 1:
            out += b"\x00" + pixels[i]
        else:
            out += bytes([257 - lit]) + b"".join(pixels[i : i + lit])
        i += lit
    if end < len(pixels):
        out += b"\x80"
    return bytes(out)


def raster_lines(img: Image.Image, *, white_fill: bool) -> bytes:
    bpp = len(img.getbands())
    row = img.width * bpp
    data = img.tobytes()
    out = bytearray()
    y = 0
    while y < img.height:
        line = data[y * row : (y + 1) * row]
        rep = 1
        while (
            y + rep < img.height
            and rep < 256
            and (data[(y + rep) * row : (y + rep + 1) * row] == line)
        ):
            rep += 1
        out += bytes([rep - 1]) + _packbits_line(line, bpp, white_fill=white_fill)
        y += rep
    return bytes(out)


def write_urf(path: Path, pages: list[Image.Image], dpi: int = 100) -> None:
    out = bytearray(b"UNIRAST\x00" + struct.pack(">I", len(pages)))
    for img in pages:
        bpp, cs = (8, 0) if img.mode == "L" else (24, 1)
        out += struct.pack(">BBBBIIIIIII", bpp, cs, 1, 4, 0, 0, img.width, img.height, dpi, 0, 0)
        out += raster_lines(img, white_fill=True)
    path.write_bytes(bytes(out))


def urf_pages(dpi: int) -> list[Image.Image]:
    w, h = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    colour = Image.new("RGB", (w, h), "white")
    colour.paste(colour_image(80, 40), (20, 30))
    grey_rgb = Image.new("RGB", (w, h), "white")
    grey_rgb.paste(grey_image(80, 40).convert("RGB"), (20, 30))
    grey = Image.new("L", (w, h), 255)
    grey.paste(grey_image(60, 60), (10, 10))
    return [colour, grey_rgb, grey]


# -- PCL 5 ---------------------------------------------------------------------------------


def hand_pcl() -> bytes:
    esc = b"\x1b"
    raster = esc + b"*r1A" + esc + b"*b4W" + b"\xff\x00\xff\x00" + esc + b"*rB"
    return (
        esc
        + b"E"
        + esc
        + b"&l26A"
        + esc
        + b"&l0O"
        + b"Black text on A4"
        + raster
        + b"\x0c"
        + esc
        + b"*r3U"
        + esc
        + b"*v1S"
        + b"Red text (simple RGB palette, pen 1)"
        + b"\x0c"
        + esc
        + b"*v0S"
        + b"Back to black"
        + b"\x0c"
        + esc
        + b"&l2A"
        + esc
        + b"&l1O"
        + b"Letter landscape"
        + b"\x0c"
        + esc
        + b"E"
    )


# -- building -------------------------------------------------------------------------------


def build_corpus(root: Path) -> Corpus:
    c = Corpus(root)
    root.mkdir(parents=True, exist_ok=True)
    p = root.joinpath

    def pdf(name: str, data: bytes) -> Path:
        path = p(name + ".pdf")
        path.write_bytes(data)
        return path

    mixed = pdf("pdf_mixed", build_mixed())
    mixed_truth = (False, True, False, True)
    c.add(Case("pdf_mixed", mixed, "pdf", 4, mixed_truth, {A4_NAME: 4}))
    c.add(Case("pdf_near_grey", pdf("pdf_near_grey", build_near_grey()), "pdf", 2, (False, True)))
    c.add(
        Case(
            "pdf_images",
            pdf("pdf_images", build_images()),
            "pdf",
            6,
            (True, False, True, False, False, False),
        )
    )
    c.add(
        Case(
            "pdf_annotations",
            pdf("pdf_annotations", build_annotations()),
            "pdf",
            3,
            (True, False, False),
        )
    )
    c.add(
        Case(
            "pdf_cmyk_black",
            pdf("pdf_cmyk_black", build_cmyk_black()),
            "pdf",
            4,
            (False, False, False, True),
        )
    )
    c.add(
        Case(
            "pdf_spots",
            pdf("pdf_spots", build_spots()),
            "pdf",
            6,
            (False, True, False, False, True, False),
        )
    )
    c.add(
        Case(
            "pdf_sizes",
            pdf("pdf_sizes", build_sizes()),
            "pdf",
            9,
            (False,) * 9,
            {
                A4_NAME: 4,
                LETTER_NAME: 1,
                "iso_a3_297x420mm": 1,
                "iso_a5_148x210mm": 1,
                "na_legal_8.5x14in": 1,
                "custom_100x100mm": 1,
            },
            (
                "portrait",
                "portrait",
                "portrait",
                "landscape",
                "landscape",
                "portrait",
                "portrait",
                "portrait",
                "portrait",
            ),
        )
    )
    c.add(
        Case(
            "pdf_paint_kinds",
            pdf("pdf_paint_kinds", build_paint_kinds()),
            "pdf",
            5,
            (True, False, True, True, False),
        )
    )
    c.add(
        Case(
            "pdf_inline",
            pdf("pdf_inline", build_inline_images()),
            "pdf",
            4,
            (True, True, False, False),
        )
    )
    c.add(Case("pdf_zero_pages", pdf("pdf_zero_pages", build_zero_pages()), "pdf", 0, ()))
    c.add(
        Case("pdf_broken_xref", pdf("pdf_broken_xref", build_mixed_broken()), "pdf", 4, mixed_truth,
             count_certain=False)
    )
    garbage = bytes(random.Random(7).randrange(256) for _ in range(4000))
    c.add(Case("pdf_garbage", pdf("pdf_garbage", b"%PDF-1.4\n" + garbage), "pdf", None))
    c.add(Case("empty", _write(p("empty.bin"), b""), "unknown", None))
    c.add(
        Case(
            "unknown_binary",
            _write(p("unknown.bin"), b"\x00\x01\x02\x03" + garbage),
            "unknown",
            None,
        )
    )
    lines = "".join(f"line {i}\n" for i in range(130)) + "\fafter form feed\n"
    c.add(Case("text", _write(p("text.txt"), lines.encode()), "text", 4))
    _images(c)
    write_urf(p("urf.urf"), urf_pages(60), dpi=60)
    c.add(Case("urf", p("urf.urf"), "urf", 3, (True, False, False), {A4_NAME: 3}))
    urf_data = p("urf.urf").read_bytes()
    c.add(
        Case(
            "urf_truncated",
            _write(p("urf_truncated.urf"), urf_data[: len(urf_data) // 2]),
            "urf",
            None,
        )
    )
    c.add(
        Case(
            "pcl5_hand",
            _write(p("hand.pcl"), hand_pcl()),
            "pcl5",
            4,
            (False, True, False, False),
            {A4_NAME: 3, LETTER_NAME: 1},
            ("portrait", "portrait", "portrait", "landscape"),
        )
    )
    _with_tools(c, mixed, mixed_truth)
    return c


def build_mixed_broken() -> bytes:
    return PdfBuilderMixed().build(break_xref=True)


class PdfBuilderMixed(PdfBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.page(text("Black text, DeviceGray") + "0 g " + rect())
        self.page(text("Red rectangle") + "1 0 0 rg " + rect())
        self.page("0.3 0.3 0.3 rg " + text("Neutral RGB grey") + rect())
        self.page(text("CMYK magenta") + "0 1 0 0 k " + rect())


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _images(c: Corpus) -> None:
    p = c.root.joinpath
    colour = colour_image(300, 200)
    colour.save(p("colour.jpg"), "JPEG", dpi=(100, 100))
    c.add(Case("jpeg_colour", p("colour.jpg"), "jpeg", 1, (True,), {"custom_51x76mm": 1}))
    grey_image(300, 200).save(p("grey.jpg"), "JPEG", dpi=(100, 100))
    c.add(Case("jpeg_grey", p("grey.jpg"), "jpeg", 1, (False,)))
    grey_image(120, 80).convert("RGB").save(p("neutral.png"), dpi=(300, 300))
    c.add(Case("png_neutral_rgb", p("neutral.png"), "png", 1, (False,)))
    colour_image(120, 80).convert("P").save(p("palette.png"))
    c.add(Case("png_palette_colour", p("palette.png"), "png", 1, (True,)))
    frames = [colour_image(80, 60), grey_image(80, 60), colour_image(80, 60, 9)]
    frames[0].save(p("multi.tif"), save_all=True, append_images=frames[1:], dpi=(72, 72))
    c.add(Case("tiff_multipage", p("multi.tif"), "tiff", 3, (True, False, True)))
    data = p("colour.jpg").read_bytes()
    c.add(Case("jpeg_truncated", _write(p("truncated.jpg"), data[:300]), "jpeg", None))
    # A PNG header that claims 100000 x 100000 pixels: must be refused, not decoded.
    bomb = io.BytesIO()
    Image.new("1", (1, 1)).save(bomb, "PNG")
    raw = bytearray(bomb.getvalue())
    raw[16:24] = struct.pack(">II", 100000, 100000)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    c.add(Case("png_bomb", _write(p("bomb.png"), bytes(raw)), "png", 1, (None,)))


def _with_tools(c: Corpus, mixed: Path, mixed_truth: tuple[bool, ...]) -> None:
    p = c.root.joinpath
    builders: list[tuple[str, str, Callable[[], None]]] = []

    def case(tool: str, name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
        def deco(fn: Callable[[], None]) -> Callable[[], None]:
            builders.append((tool, name, fn))
            return fn

        return deco

    ps_dsc = p("dsc.ps")
    ps_dsc.write_text(ps_document(PS_PAGES, dsc=True))
    ps_plain = p("plain.ps")
    ps_plain.write_text(ps_document(PS_PAGES[:2], dsc=False, size=LETTER))

    @case("gs", "ps")
    def _ps() -> None:
        # a program's pages are those Ghostscript drew: never certain (the agent rewrites)
        c.add(Case("ps_dsc", ps_dsc, "postscript", 5, PS_TRUTH, {A4_NAME: 5},
                   count_certain=False))
        c.add(Case("ps_nodsc", ps_plain, "postscript", 2, PS_TRUTH[:2], {LETTER_NAME: 2},
                   count_certain=False))

    @case("gs", "gs_pdf")
    def _gs_pdf() -> None:
        gs("pdfwrite", ps_dsc, p("gs_made.pdf"))
        c.add(Case("pdf_gs", p("gs_made.pdf"), "pdf", 5, PS_TRUTH, {A4_NAME: 5}))
        data = p("gs_made.pdf").read_bytes()
        _write(p("pdf_truncated.pdf"), data[: len(data) * 6 // 10])
        c.add(Case("pdf_truncated", p("pdf_truncated.pdf"), "pdf", None))
        writer = PdfWriter()
        writer.append(str(p("gs_made.pdf")))
        writer.append(str(p("pdf_sizes.pdf")))
        writer.write(str(p("merged.pdf")))
        c.add(Case("pdf_merged", p("merged.pdf"), "pdf", 14, PS_TRUTH + (False,) * 9))

    @case("pdftocairo", "cairo")
    def _cairo() -> None:
        run(["pdftocairo", "-pdf", str(mixed), str(p("cairo.pdf"))])
        c.add(Case("pdf_cairo", p("cairo.pdf"), "pdf", 4, mixed_truth, {A4_NAME: 4}))

    @case("qpdf", "encrypted")
    def _qpdf() -> None:
        run(
            [
                "qpdf",
                "--encrypt",
                "",
                "owner-secret",
                "256",
                "--",
                str(mixed),
                str(p("owner_only.pdf")),
            ]
        )
        run(
            [
                "qpdf",
                "--encrypt",
                "user-secret",
                "owner-secret",
                "256",
                "--",
                str(mixed),
                str(p("user_pw.pdf")),
            ]
        )
        c.add(Case("pdf_owner_only", p("owner_only.pdf"), "pdf", 4, mixed_truth))
        c.add(Case("pdf_user_password", p("user_pw.pdf"), "pdf", None))

    @case("gs", "pwg")
    def _pwg() -> None:
        gs("pwgraster", mixed, p("srgb.pwg"), "-r50", "-dcupsColorSpace=19", "-dcupsBitsPerColor=8")
        gs(
            "pwgraster",
            mixed,
            p("sgray.pwg"),
            "-r50",
            "-dcupsColorSpace=18",
            "-dcupsBitsPerColor=8",
        )
        c.add(Case("pwg_srgb", p("srgb.pwg"), "pwg-raster", 4, mixed_truth, {A4_NAME: 4}))
        c.add(Case("pwg_sgray", p("sgray.pwg"), "pwg-raster", 4, (False,) * 4, {A4_NAME: 4}))
        data = p("srgb.pwg").read_bytes()
        c.add(Case("pwg_truncated", _write(p("truncated.pwg"), data[:3000]), "pwg-raster", None))

    @case("gs", "pcl")
    def _pcl() -> None:
        gs("ljet4", mixed, p("ljet4.pcl"), "-r150")
        c.add(Case("pcl5_ljet4", p("ljet4.pcl"), "pcl5", 4, (False,) * 4, {A4_NAME: 4}))
        gs("pxlmono", mixed, p("mono.pxl"))
        gs("pxlcolor", mixed, p("colour.pxl"))
        c.add(Case("pclxl_mono", p("mono.pxl"), "pclxl", 4, (False,) * 4, {A4_NAME: 4}))
        c.add(Case("pclxl_colour", p("colour.pxl"), "pclxl", 4, mixed_truth, {A4_NAME: 4}))
        gs("pxlcolor", ps_dsc, p("colour_images.pxl"))
        c.add(Case("pclxl_images", p("colour_images.pxl"), "pclxl", 5, PS_TRUTH))

    for tool, name, fn in builders:
        if not have(tool):
            c.skipped[name] = f"{tool} is not installed"
            continue
        fn()

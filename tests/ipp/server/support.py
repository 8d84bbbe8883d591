"""Test helpers: a virtual printer on uvicorn in a thread, IPP requests, test documents."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn

from printwarden.ipp import (
    Attribute,
    AttributeGroup,
    DelimiterTag,
    IppMessage,
    charset,
    decode,
    encode,
    name,
    natural_language,
    uri,
)
from printwarden.ipp.server import ServerLimits
from printwarden.virtual_printer import build_virtual_printer
from tests.support.postgres import free_port

GS = shutil.which("gs")
SUITES = Path("/usr/share/cups/ipptool")


class RunningVirtualPrinter:
    """``with RunningVirtualPrinter(dir) as vp:`` serves on ``vp.port`` (loopback) until exit."""

    def __init__(self, directory: Path, *, processing_delay: float = 0.0,
                 limits: ServerLimits | None = None, name: str = "virtual") -> None:
        self.directory = directory
        self.port = free_port()
        self.name = name
        app = build_virtual_printer(directory, name, processing_delay=processing_delay,
                                    limits=limits)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print/{self.name}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ipp/print/{self.name}"

    def __enter__(self) -> RunningVirtualPrinter:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the virtual printer did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.should_exit = True
        self._thread.join(10)


def operation_group(printer_uri: str, *extra: Attribute, user: str = "alice") -> AttributeGroup:
    return AttributeGroup(DelimiterTag.OPERATION, [
        charset("attributes-charset", "utf-8"),
        natural_language("attributes-natural-language", "en"),
        uri("printer-uri", printer_uri),
        name("requesting-user-name", user),
        *extra,
    ])


def ipp_request(operation: int, printer_uri: str, *extra: Attribute,
                job_attributes: Iterable[Attribute] = (), user: str = "alice",
                version: tuple[int, int] = (2, 0), request_id: int = 1) -> bytes:
    groups = [operation_group(printer_uri, *extra, user=user)]
    job = list(job_attributes)
    if job:
        groups.append(AttributeGroup(DelimiterTag.JOB, job))
    return encode(IppMessage(operation, request_id, groups, version))


def post(url: str, body: bytes, *, timeout: float = 30) -> tuple[httpx.Response, IppMessage]:
    response = httpx.post(url, content=body, headers={"Content-Type": "application/ipp"},
                          timeout=timeout)
    assert response.status_code == 200, response.text
    return response, decode(response.content)[0]


def make_pdf(path: Path, pages: int = 2) -> Path:
    """A small PDF of ``pages`` pages (pypdf, no Ghostscript needed)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_suite_documents(directory: Path) -> Path:
    """The files the ipptool suites name (FILE document-a4.pdf, color.jpg, ...) in
    ``directory``; ipptool finds them relative to its working directory."""
    a4 = directory / "document-a4.pdf"
    gs = [str(GS), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE"]
    page = "/Helvetica findfont 24 scalefont setfont 72 720 moveto (printwarden) show showpage"
    subprocess.run([*gs, "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4", f"-sOutputFile={a4}",
                    "-c", page], check=True)
    subprocess.run([*gs, "-sDEVICE=pdfwrite", "-sPAPERSIZE=letter",
                    f"-sOutputFile={directory / 'document-letter.pdf'}", "-c", page],
                   check=True)
    for ps in ("document-a4.ps", "document-letter.ps"):
        subprocess.run([*gs, "-sDEVICE=ps2write", f"-sOutputFile={directory / ps}", str(a4)],
                       check=True)
    for device, jpg in (("jpeg", "color.jpg"), ("jpeggray", "gray.jpg")):
        subprocess.run([*gs, f"-sDEVICE={device}", "-r20",
                        f"-sOutputFile={directory / jpg}", str(a4)], check=True)
    return a4


_RASTER = {"black-1": (3, 1), "sgray-8": (18, 8), "srgb-8": (19, 8), "srgb-16": (19, 16),
           "cmyk-8": (6, 8)}
#: The sample documents ipp-everywhere.test prints, by name: (PostScript page size, pages).
_SAMPLES = {"color.jpg-4x6": ("4x6", 1, True), "gray.jpg-4x6": ("4x6", 1, False),
            "document-a4": ("a4", 2, True), "document-letter": ("letter", 2, True),
            "onepage-a4": ("a4", 1, True), "onepage-letter": ("letter", 1, True)}
_POINTS = {"4x6": (288, 432), "a4": (595, 842), "letter": (612, 792)}


def _sample_page(color: bool, pages: int) -> str:
    fill = "0.8 0.2 0.2 setrgbcolor" if color else "0.5 setgray"
    page = (f"{fill} 36 36 144 144 rectfill 0 setgray /Helvetica findfont 18 scalefont "
            "setfont 36 200 moveto (printwarden sample) show showpage ")
    return page * pages


def make_everywhere_samples(directory: Path, resolutions: Iterable[int],
                            types: Iterable[str]) -> list[Path]:
    """The PWG raster samples ``ipp-everywhere.test`` names, under ``directory``.

    ipptool (CUPS 2.4) reads every FILE of a suite before it runs, even those of tests it
    skips, and stops if one is missing; the real sample set is not packaged. So every
    file is made: a real PWG raster (gs ``pwgraster``) for the ``resolutions`` and
    ``types`` the printer advertises (those tests run), an empty placeholder for the
    others (their tests are skipped: the printer does not support them)."""
    suite = (SUITES / "ipp-everywhere.test").read_text()
    real = {(dpi, kind) for dpi in resolutions for kind in types}
    made: list[Path] = []
    for relative in sorted(set(re.findall(r"FILE (pwg-raster-samples-\S+\.pwg)", suite))):
        match = re.fullmatch(r"pwg-raster-samples-(\d+)dpi/([a-z0-9-]+)/(.+)-\2-\1dpi\.pwg",
                             relative)
        assert match is not None, relative
        dpi, kind, sample = int(match[1]), match[2], match[3]
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if (dpi, kind) not in real:
            path.write_bytes(b"")
            continue
        size, pages, color = _SAMPLES[sample]
        width, height = _POINTS[size]
        space, bits = _RASTER[kind]
        subprocess.run([str(GS), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pwgraster",
                        f"-r{dpi}", f"-dcupsColorSpace={space}", f"-dcupsBitsPerColor={bits}",
                        f"-dDEVICEWIDTHPOINTS={width}", f"-dDEVICEHEIGHTPOINTS={height}",
                        "-dFIXEDMEDIA", f"-sOutputFile={path}", "-c",
                        _sample_page(color, pages)], check=True, capture_output=True)
        made.append(path)
    return made

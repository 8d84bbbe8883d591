from __future__ import annotations

from collections.abc import Callable

import pytest

from printwarden.documents import (
    detect_bytes,
    detect_file,
    format_for_mime,
    mime_for_format,
    sniff_mime,
)
from tests.documents.corpus import Case


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"junk\n%PDF-1.4\n", "pdf"),
        (b"%!PS-Adobe-3.0\n", "postscript"),
        (b"\x04%!PS\n", "postscript"),
        (b"RaS2PwgRaster\x00", "pwg-raster"),
        (b"UNIRAST\x00\x00\x00\x00\x01", "urf"),
        (b"\x1bE\x1b&l26A", "pcl5"),
        (b"\x1b%-12345X@PJL ENTER LANGUAGE = PCLXL\n) HP-PCL XL;2;0\n", "pclxl"),
        (b"\x1b%-12345X@PJL\n@PJL ENTER LANGUAGE=POSTSCRIPT\n%!PS\n", "postscript"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
        (b"Hello, world\nsecond line\n", "text"),
        ("Grüße\n".encode(), "text"),
        (b"\x00\x01\x02\x03binary", "unknown"),
        (b"", "unknown"),
    ],
)
def test_sniffing(head: bytes, fmt: str) -> None:
    assert detect_bytes(head) == fmt


@pytest.mark.parametrize(
    ("mime", "fmt"),
    [
        ("application/pdf", "pdf"),
        ("application/postscript", "postscript"),
        ("image/pwg-raster", "pwg-raster"),
        ("image/urf", "urf"),
        ("application/vnd.hp-pcl", "pcl5"),
        ("application/vnd.hp-pclxl", "pclxl"),
        ("image/jpeg", "jpeg"),
        ("image/png", "png"),
        ("image/tiff", "tiff"),
        ("text/plain; charset=utf-8", "text"),
        ("application/octet-stream", None),
        ("application/x-unheard-of", None),
        (None, None),
    ],
)
def test_ipp_document_formats(mime: str | None, fmt: str | None) -> None:
    assert format_for_mime(mime) == fmt


@pytest.mark.parametrize(
    "name",
    [
        "pdf_mixed",
        "pdf_gs",
        "ps_dsc",
        "ps_nodsc",
        "pwg_srgb",
        "urf",
        "pcl5_ljet4",
        "pcl5_hand",
        "pclxl_mono",
        "jpeg_colour",
        "png_neutral_rgb",
        "tiff_multipage",
        "text",
    ],
)
def test_corpus_files_are_recognised(case: Callable[[str], Case], name: str) -> None:
    c = case(name)
    assert detect_file(c.path) == c.format


def test_the_mime_type_a_document_is_sent_as_follows_its_content() -> None:
    assert sniff_mime(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_mime(b"%!PS-Adobe-3.0\n") == "application/postscript"
    assert sniff_mime(b"RaS2") == "image/pwg-raster"
    assert sniff_mime(b"\x00\x01\x02garbage") == "application/octet-stream"
    assert mime_for_format("pclxl") == "application/vnd.hp-pclxl"
    assert mime_for_format(None) == "application/octet-stream"

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from printwarden.documents import analyse, downstream_attributes, to_grayscale_pdf
from tests.documents.corpus import Case


def test_downstream_attributes() -> None:
    assert downstream_attributes(monochrome=True, duplex=True) == {
        "print-color-mode": "monochrome",
        "sides": "two-sided-long-edge",
    }
    assert downstream_attributes(duplex=True, short_edge=True) == {"sides": "two-sided-short-edge"}
    assert downstream_attributes() == {}


@pytest.mark.parametrize("use_gs", [True, False])
def test_grayscale_pdf_has_no_colour_pages(
    case: Callable[[str], Case], tmp_path: Path, use_gs: bool
) -> None:
    if use_gs and shutil.which("gs") is None:
        pytest.skip("gs is not installed")
    src = case("pdf_images").path
    assert analyse(src).color_pages == 2
    out = tmp_path / "grey.pdf"
    result = to_grayscale_pdf(src, out, use_ghostscript=use_gs, dpi=50)
    assert result.ok, result.error
    assert result.method == ("ghostscript" if use_gs else "render")
    info = analyse(out)
    assert info.pages == 6 and info.color_pages == 0 and info.mono_pages == 6
    assert info.sizes == {"iso_a4_210x297mm": 6}


def test_grayscale_of_a_non_pdf_fails_cleanly(tmp_path: Path) -> None:
    src = tmp_path / "x.pdf"
    src.write_bytes(b"not a pdf")
    result = to_grayscale_pdf(src, tmp_path / "out.pdf", use_ghostscript=False)
    assert not result.ok and result.error

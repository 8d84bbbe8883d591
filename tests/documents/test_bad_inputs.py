"""Bad input never raises: it yields pages=None (or a partial, estimated count) and a
reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from printwarden.documents import Limits, analyse
from tests.documents.corpus import Case


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("pdf_garbage", "not a readable pdf"),
        ("pdf_user_password", "user password"),
        ("pdf_truncated", "truncated"),
        ("empty", "empty"),
        ("unknown_binary", "unrecognised"),
        ("jpeg_truncated", "unreadable image"),
        ("pwg_truncated", "truncated"),
    ],
)
def test_unreadable_documents_have_no_pages_and_a_reason(
    case: Callable[[str], Case], name: str, words: str
) -> None:
    info = analyse(case(name).path)
    assert info.pages is None
    assert info.reason is not None and words in info.reason.lower()
    assert info.estimated
    assert info.color_pages is None and info.mono_pages is None


def test_truncated_urf_keeps_the_complete_pages(case: Callable[[str], Case]) -> None:
    info = analyse(case("urf_truncated").path)
    assert info.pages == 1 and info.estimated
    assert info.reason is not None and "truncated" in info.reason


def test_zero_page_pdf(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_zero_pages").path)
    assert (info.pages, info.color_pages, info.mono_pages) == (0, 0, 0)
    assert info.reason == "document has no pages"


def test_image_bomb_is_not_decoded(case: Callable[[str], Case]) -> None:
    info = analyse(case("png_bomb").path)
    assert info.pages == 1 and info.page_info[0].color is None
    assert info.reason is not None and "pixel limit" in info.reason


def test_pixel_limit_applies_below_pillows_own(case: Callable[[str], Case]) -> None:
    info = analyse(case("jpeg_colour").path, limits=Limits(max_pixels=1000))
    assert info.pages == 1 and info.page_info[0].color is None and info.estimated


def test_missing_file(tmp_path: Path) -> None:
    info = analyse(tmp_path / "nope.pdf")
    assert info.pages is None and info.reason is not None and "cannot read" in info.reason


def test_directory_instead_of_file(tmp_path: Path) -> None:
    info = analyse(tmp_path)
    assert info.pages is None and info.reason is not None


def test_size_limit(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_mixed").path, limits=Limits(max_bytes=100))
    assert info.pages is None and info.reason is not None and "exceeds" in info.reason


def test_page_detail_limit_counts_pages_but_leaves_colour_unknown(
    case: Callable[[str], Case],
) -> None:
    info = analyse(case("pdf_mixed").path, limits=Limits(max_pages_detailed=2))
    assert info.pages == 4 and info.estimated
    assert [p.color for p in info.page_info] == [False, True, None, None]
    assert info.unknown_color_pages == 2


def test_time_budget_counts_pages_but_leaves_colour_unknown(
    case: Callable[[str], Case],
) -> None:
    info = analyse(case("pdf_mixed").path, limits=Limits(max_seconds=0.0))
    assert info.pages == 4 and info.estimated
    assert all(p.color is None for p in info.page_info)
    assert info.reason is not None and "time budget" in info.reason


def test_decompression_limit(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_images").path, limits=Limits(max_decompressed_bytes=64))
    assert info.pages == 6 and info.estimated
    assert info.reason is not None and "decompressed" in info.reason


def test_postscript_without_ghostscript_uses_dsc(case: Callable[[str], Case]) -> None:
    info = analyse(case("ps_dsc").path, limits=Limits(use_external_tools=False))
    assert info.pages == 5 and info.method == "dsc" and info.estimated
    assert all(p.color is None for p in info.page_info)


def test_postscript_without_dsc_or_ghostscript_fails_with_reason(
    case: Callable[[str], Case],
) -> None:
    info = analyse(case("ps_nodsc").path, limits=Limits(use_external_tools=False))
    assert info.pages is None and info.reason is not None and "DSC" in info.reason


def test_broken_postscript_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ps"
    bad.write_text("%!PS\n/undefinedthing foo bar showpage\n")
    info = analyse(bad)
    assert info.format == "postscript"
    assert info.pages is None or info.pages <= 1
    if info.pages is None:
        assert info.reason is not None


def test_truncated_pcl_xl(case: Callable[[str], Case], tmp_path: Path) -> None:
    data = case("pclxl_colour").path.read_bytes()
    cut = tmp_path / "cut.pxl"
    cut.write_bytes(data[: len(data) // 2])
    info = analyse(cut)
    assert info.format == "pclxl" and info.estimated and info.reason is not None
    assert (info.pages or 0) < 4


def test_truncated_pcl5(case: Callable[[str], Case], tmp_path: Path) -> None:
    data = case("pcl5_ljet4").path.read_bytes()
    cut = tmp_path / "cut.pcl"
    cut.write_bytes(data[: len(data) // 2 + 3])
    info = analyse(cut)
    assert info.format == "pcl5" and (info.pages or 0) < 4

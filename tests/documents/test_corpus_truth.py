"""Every generated document analysed against its known truth."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from printwarden.documents import analyse
from tests.documents.corpus import Case

GOOD_CASES = [
    "pdf_mixed", "pdf_near_grey", "pdf_images", "pdf_annotations", "pdf_cmyk_black",
    "pdf_spots", "pdf_sizes", "pdf_paint_kinds", "pdf_inline", "pdf_broken_xref", "pdf_gs",
    "pdf_merged", "pdf_cairo", "pdf_owner_only", "ps_dsc", "ps_nodsc", "pwg_srgb",
    "pwg_sgray", "urf", "pcl5_hand", "pcl5_ljet4", "pclxl_mono", "pclxl_colour",
    "pclxl_images", "jpeg_colour", "jpeg_grey", "png_neutral_rgb", "png_palette_colour",
    "tiff_multipage", "text",
]  # fmt: skip


@pytest.mark.parametrize("name", GOOD_CASES)
def test_pages_colour_and_sizes_match_the_truth(case: Callable[[str], Case], name: str) -> None:
    c = case(name)
    info = analyse(c.path)
    assert info.format == c.format
    assert info.pages == c.pages, info.reason
    assert len(info.page_info) == c.pages
    if c.colors is not None:
        assert tuple(p.color for p in info.page_info) == c.colors
        assert info.color_pages == sum(1 for x in c.colors if x is True)
        assert info.mono_pages == sum(1 for x in c.colors if x is False)
    if c.sizes is not None:
        assert info.sizes == c.sizes
    if c.orientations is not None:
        assert tuple(p.orientation for p in info.page_info) == c.orientations
    assert info.count_certain is c.count_certain, info.reason
    assert info.estimated is not c.count_certain, info.reason
    assert [p.number for p in info.page_info] == list(range(1, (c.pages or 0) + 1))


def test_format_hint_as_mime_type_is_accepted(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_mixed").path, format_hint="application/pdf")
    assert (info.format, info.pages, info.warnings) == ("pdf", 4, ())


def test_a_wrong_hint_is_reported_and_the_content_decides(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_mixed").path, format_hint="image/jpeg")
    assert info.format == "pdf" and info.pages == 4
    assert any("looks like pdf" in w for w in info.warnings)


def test_json_dict_carries_the_required_keys(case: Callable[[str], Case]) -> None:
    d = analyse(case("pdf_sizes").path).to_json_dict()
    for key in (
        "format",
        "pages",
        "color_pages",
        "mono_pages",
        "sizes",
        "method",
        "warnings",
        "estimated",
        "reason",
    ):
        assert key in d
    assert d["sizes"] == {
        "iso_a4_210x297mm": 4,
        "na_letter_8.5x11in": 1,
        "iso_a3_297x420mm": 1,
        "iso_a5_148x210mm": 1,
        "na_legal_8.5x14in": 1,
        "custom_100x100mm": 1,
    }


def test_owner_password_only_is_noted(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_owner_only").path)
    assert any("owner password" in w for w in info.warnings)


def test_broken_xref_is_recovered_with_a_warning(case: Callable[[str], Case]) -> None:
    info = analyse(case("pdf_broken_xref").path)
    assert any("repaired" in w for w in info.warnings)


def test_text_lines_per_page_changes_the_count(case: Callable[[str], Case]) -> None:
    path = case("text").path
    assert analyse(path, lines_per_page=10).pages == 14  # 13 full pages, form feed, 1 line
    assert analyse(path, lines_per_page=200).pages == 2


def test_concurrent_analyses_agree_with_serial_ones(case: Callable[[str], Case]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = ["pdf_images", "pdf_spots", "pdf_inline", "pdf_paint_kinds", "pdf_mixed"] * 3
    paths = [case(n).path for n in names]
    serial = [analyse(p).to_json_dict() for p in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = [r.to_json_dict() for r in pool.map(analyse, paths)]
    assert parallel == serial

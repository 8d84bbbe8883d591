from __future__ import annotations

import pytest

from printwarden.documents import media_name, media_size, orientation


@pytest.mark.parametrize(
    ("w", "h", "name"),
    [
        (210, 297, "iso_a4_210x297mm"),
        (297, 210, "iso_a4_210x297mm"),
        (211.9, 295.1, "iso_a4_210x297mm"),
        (215.9, 279.4, "na_letter_8.5x11in"),
        (297, 420, "iso_a3_297x420mm"),
        (215.9, 355.6, "na_legal_8.5x14in"),
        (182, 257, "jis_b5_182x257mm"),
        (176, 250, "iso_b5_176x250mm"),
        (279.4, 431.8, "na_ledger_11x17in"),
        (148, 210, "iso_a5_148x210mm"),
        (100, 100, "custom_100x100mm"),
        (207.5, 297, "custom_208x297mm"),
    ],
)
def test_nearest_pwg_name_within_two_millimetres(w: float, h: float, name: str) -> None:
    assert media_name(w, h) == name


def test_sizes_of_names_round_trip() -> None:
    assert media_size("iso_a4_210x297mm") == (210, 297)
    assert media_size("custom_100x150mm") == (100.0, 150.0)
    assert media_size("nonsense") is None


def test_orientation() -> None:
    assert orientation(297, 210) == "landscape"
    assert orientation(210, 297) == "portrait"
    assert orientation(100, 100) == "portrait"

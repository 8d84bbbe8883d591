from __future__ import annotations

from printwarden.documents.pdf_content import scan_content
from printwarden.documents.pdf_spaces import (
    AMBIGUOUS,
    CMYK,
    COLOR,
    GRAY,
    MONO,
    RGB,
    Space,
    judge_values,
)


def test_operators_and_operands_are_found() -> None:
    scan = scan_content(b"q 0.1 0.2 0.3 rg 1 0 0 1 k /CS0 cs 0.5 scn /Im1 Do Q")
    assert scan.ops == (
        ("q", ()),
        ("rg", (0.1, 0.2, 0.3)),
        ("k", (1.0, 0.0, 0.0, 1.0)),
        ("cs", ("CS0",)),
        ("scn", (0.5,)),
        ("Do", ("Im1",)),
        ("Q", ()),
    )


def test_strings_cannot_fake_operators() -> None:
    scan = scan_content(b"BT (1 0 0 rg) Tj (a \\) 0 1 0 rg) Tj (x (0 0 1 rg) y) Tj ET")
    assert scan.ops == ()


def test_names_are_not_operators() -> None:
    assert scan_content(b"/G gs /k 1 Tf /rg /RG BDC EMC").ops == ()


def test_inline_image_data_is_cut_out() -> None:
    raw = bytes([1, 0, 0]) + b" 1 0 0 rg "
    scan = scan_content(b"BI /W 1 /H 1 /CS /RGB /BPC 8 ID " + raw + b"\nEI 0 g")
    assert len(scan.inline_images) == 1
    assert scan.inline_images[0].params["CS"] == "/RGB"
    assert [op for op, _ in scan.ops] == ["g"]


def test_neutral_tolerance_both_sides() -> None:
    assert judge_values(RGB, [0.5, 0.5, 0.502]) == MONO
    assert judge_values(RGB, [0.5, 0.5, 0.52]) == COLOR
    assert judge_values(GRAY, [0.3]) == MONO


def test_cmyk_rules() -> None:
    assert judge_values(CMYK, [0, 0, 0, 1]) == MONO
    assert judge_values(CMYK, [0.6, 0.4, 0.4, 1]) == MONO  # rich black
    assert judge_values(CMYK, [0.3, 0.3, 0.3, 0]) == MONO  # C=M=Y grey
    assert judge_values(CMYK, [0.6, 0.4, 0.4, 0.9]) == COLOR
    assert judge_values(CMYK, [0, 1, 0, 0]) == COLOR


def test_spot_rules_by_name() -> None:
    black = Space("separation", 1, names=("Black",), base=CMYK)
    cyan = Space("separation", 1, names=("Cyan",), base=CMYK)
    unknown = Space("separation", 1, names=("Gold",), base=None)
    assert judge_values(black, [1.0]) == MONO
    assert judge_values(cyan, [1.0]) == COLOR
    assert judge_values(cyan, [0.0]) == MONO
    assert judge_values(unknown, [1.0]) == AMBIGUOUS

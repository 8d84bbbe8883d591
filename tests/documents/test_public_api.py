from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import printwarden.documents as documents

PUBLIC = {
    "FORMATS", "MIME_FORMATS", "NEUTRAL_TOLERANCE", "PIXEL_TOLERANCE", "PWG_MEDIA",
    "RICH_BLACK_K", "SIDES", "DocumentInfo", "GrayscaleResult", "Layout", "Limits",
    "PageInfo", "analyse", "detect_bytes", "detect_file", "downstream_attributes",
    "format_for_mime", "media_name", "media_size", "mime_for_format", "orientation",
    "sheets_and_impressions", "sniff_mime", "to_grayscale_pdf",
}


def test_the_public_api_is_exactly_what_all_lists() -> None:
    assert set(documents.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(documents, name) is not None


def test_shapes_the_callers_rely_on() -> None:
    page = [f.name for f in dataclasses.fields(documents.PageInfo)]
    assert page == ["number", "width_mm", "height_mm", "media", "orientation", "color", "coverage"]
    doc = [f.name for f in dataclasses.fields(documents.DocumentInfo)]
    assert doc == [
        "format",
        "pages",
        "page_info",
        "color_pages",
        "mono_pages",
        "sizes",
        "method",
        "estimated",
        "reason",
        "warnings",
        "count_certain",
    ]
    params = list(inspect.signature(documents.analyse).parameters)
    assert params[:4] == ["path", "format_hint", "limits", "lines_per_page"]


def test_documents_imports_nothing_from_other_contexts() -> None:
    code = (
        "import sys, printwarden.documents, printwarden.documents.analyse; "
        "sys.modules['printwarden.documents.analyse']._analysers(); "
        "print(' '.join(m for m in sys.modules if m.startswith('printwarden.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out and all(
        m.startswith(("printwarden.documents", "printwarden.core")) or m == "printwarden"
        for m in out
    ), out
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, printwarden.cli.analyse; "
            "print(any(m.split('.')[0] in ('sqlalchemy', 'fastapi') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert heavy == "False"

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import printwarden.documents as documents


def test_public_names() -> None:
    for name in (
        "analyse",
        "DocumentInfo",
        "PageInfo",
        "Limits",
        "sheets_and_impressions",
        "Layout",
        "format_for_mime",
        "to_grayscale_pdf",
        "downstream_attributes",
    ):
        assert hasattr(documents, name)


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
    ]
    params = list(inspect.signature(documents.analyse).parameters)
    assert params[:4] == ["path", "format_hint", "limits", "lines_per_page"]


def test_documents_imports_nothing_from_other_contexts() -> None:
    code = (
        "import sys, printwarden.documents, printwarden.documents.cli, "
        "printwarden.documents.analyse; "
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
            "import sys, printwarden.documents.cli; "
            "print(any(m.split('.')[0] in ('sqlalchemy', 'fastapi') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert heavy == "False"

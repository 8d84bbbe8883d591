"""Pins the public API of printwarden.ipp and its import boundary."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import printwarden.ipp as ipp

PUBLIC = {
    "JOB_OPERATIONS", "SUPPORTED_VERSIONS", "UNTARGETED_OPERATIONS", "Attribute",
    "AttributeGroup", "Collection", "DelimiterTag", "IppEncodeError", "IppError",
    "IppMessage", "IppParseError", "IppParser", "IppRequestError", "MessageHeader",
    "NameWithLanguage", "Operation", "OutOfBand", "ParserLimits", "RangeOfInteger",
    "Resolution", "ResolutionUnits", "StatusCode", "TextWithLanguage", "ValidRequest",
    "Value", "ValueTag", "attr", "boolean", "charset", "collection", "decode", "encode",
    "enum", "integer", "keyword", "mime_media_type", "name", "natural_language",
    "octet_string", "out_of_band", "response_for", "tag_for", "text", "uri",
    "validate_request",
}


def test_the_public_api_is_exactly_what_all_lists() -> None:
    assert set(ipp.__all__) == PUBLIC
    for item in PUBLIC:
        assert getattr(ipp, item) is not None


def test_every_error_is_an_ipp_error_with_a_status() -> None:
    for error in (ipp.IppParseError(0x0400, "m"), ipp.IppRequestError(0x0503, "m"),
                  ipp.IppEncodeError("m")):
        assert isinstance(error, ipp.IppError)
        assert error.status in (0x0400, 0x0503, 0x0500)
        assert "status=0x0" in repr(error)


#: What ``printwarden.ipp`` may import besides the standard library and itself: the PWG
#: media table it shares with document analysis.
SHARED_TABLES = {"printwarden.core.media"}


def _imported_modules(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            yield node.module or ""


def test_the_package_and_its_subpackages_import_only_the_standard_library() -> None:
    package = Path(ipp.__file__).parent
    sources = sorted(package.rglob("*.py"))
    assert any(source.parent.name == "server" for source in sources)
    for source in sources:
        text = source.read_text()
        assert len(text.splitlines()) < 260, source.name
        for module in _imported_modules(ast.parse(text)):
            root = module.split(".")[0]
            assert (root in sys.stdlib_module_names or root == "__future__"
                    or module == "printwarden.ipp" or module.startswith("printwarden.ipp.")
                    or module in SHARED_TABLES), (str(source.relative_to(package)), module)

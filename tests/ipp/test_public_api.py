"""Pins the public API of printwarden.ipp and its import boundary."""

from __future__ import annotations

import ast
import sys
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


def test_the_package_imports_only_the_standard_library() -> None:
    package = Path(ipp.__file__).parent
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for source in package.glob("*.py"):
        assert len(source.read_text().splitlines()) < 260, source.name
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, (source.name, roots)

"""Structure checks of a PDF read with pypdf: the page tree (``pdf_tree``) and the other
places a file can announce a page count or copies that a device may believe.

``structure_doubts`` answers why another reader may find other pages than the
analyser, or an empty list. Each doubt makes the count uncertain, so the document is
rebuilt (``pdf_rewrite``) or refused before it reaches a device:

- the page tree is malformed (see ``pdf_tree``);
- pypdf repaired the cross-reference table (another reader repairs differently);
- a linearization dictionary announces another number of pages (``/N``), which a
  streaming reader may print by;
- ``/ViewerPreferences /NumCopies`` asks for more than one copy.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from printwarden.documents.model import Limits
from printwarden.documents.pdf_tree import PageTree, TreeNode, walk_page_tree

_LINEARIZED = re.compile(rb"/Linearized\b.{0,400}?/N\s+(\d{1,12})", re.DOTALL)


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def pypdf_node(ref: Any) -> TreeNode | None:
    """The ``pdf_tree`` view of one pypdf page tree entry."""
    key: Hashable | None = None
    if isinstance(ref, IndirectObject):
        key = (ref.idnum, ref.generation)
    obj = _resolve(ref)
    if not isinstance(obj, DictionaryObject):
        return None
    kind = _resolve(obj.get("/Type"))
    kids = _resolve(obj.get("/Kids"))
    count = _resolve(obj.get("/Count"))
    return TreeNode(key=key, type=str(kind) if isinstance(kind, NameObject) else None,
                    kids=list(kids) if isinstance(kids, ArrayObject) else None,
                    has_kids_key="/Kids" in obj,
                    count=count if isinstance(count, int) and not isinstance(count, bool)
                    else None)


def page_tree(reader: PdfReader, limits: Limits, deadline: float) -> PageTree:
    """Walk the catalog's ``/Pages`` (raises ``TooManyPages`` / ``TreeTimeout``)."""
    root = _resolve(reader.trailer.get("/Root"))
    pages = root.get("/Pages") if isinstance(root, DictionaryObject) else None
    return walk_page_tree(pages, pypdf_node, max_depth=limits.max_tree_depth,
                          max_pages=limits.max_pages, deadline=deadline)


def linearized_pages(stream: IO[bytes]) -> int | None:
    """The ``/N`` of a linearization dictionary at the start of the file, if any."""
    try:
        stream.seek(0)
        head = stream.read(2048)
    except OSError:
        return None
    match = _LINEARIZED.search(head)
    return int(match.group(1)) if match else None


def requested_copies(reader: PdfReader) -> int:
    """``/ViewerPreferences /NumCopies`` (1 when absent or unreadable)."""
    try:
        root = _resolve(reader.trailer.get("/Root"))
        prefs = _resolve(root.get("/ViewerPreferences"))
        copies = _resolve(prefs.get("/NumCopies")) if isinstance(prefs, DictionaryObject) \
            else None
    except Exception:
        return 1
    return copies if isinstance(copies, int) and not isinstance(copies, bool) else 1


def structure_doubts(reader: PdfReader, stream: IO[bytes], tree: PageTree,
                     repairs: list[str]) -> list[str]:
    """Why the count of ``tree`` may not be what another reader finds (empty: none)."""
    doubts = [f"malformed page tree: {problem}" for problem in tree.problems]
    doubts += [f"{repair}; another reader may repair it differently" for repair in repairs]
    announced = linearized_pages(stream)
    if announced is not None and announced != len(tree.leaves):
        doubts.append(f"the linearization dictionary announces {announced} pages, "
                      f"the page tree holds {len(tree.leaves)}")
    copies = requested_copies(reader)
    if copies > 1:
        doubts.append(f"the document asks for {copies} copies (/NumCopies)")
    return doubts

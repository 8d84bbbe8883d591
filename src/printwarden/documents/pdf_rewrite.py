"""Rebuild a PDF's page tree with pikepdf (qpdf) so that it holds exactly the pages the
analyser counted, with one reading in every reader.

The source is opened without qpdf's own page list (``inherit_page_attributes=False``:
qpdf refuses shared subtrees as loops, and copies shared pages). The tree is walked with
the same rules as the analysis (``pdf_tree``): each distinct page object once, in
first-seen order. Then, in the opened document:

- every page gets the attributes it inherited along the path it was found by
  (``/MediaBox``, ``/CropBox``, ``/Resources``, ``/Rotate``), ``/Type /Page``, no
  ``/Kids``, and ``/Parent`` set to one new flat ``/Pages`` node whose ``/Count`` is the
  number of pages;
- the catalog's ``/Pages`` is that node; ``/ViewerPreferences /NumCopies`` is dropped;
- qpdf writes a new file: one cross-reference table, no linearization, no old revisions,
  only objects reachable from the new catalog.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import Any

import pikepdf

from printwarden.documents.model import Limits
from printwarden.documents.pdf_tree import TooManyPages, TreeNode, TreeTimeout, walk_page_tree

__all__ = ["RebuildError", "rebuild_page_tree"]

INHERITED = ("/MediaBox", "/CropBox", "/Resources", "/Rotate")


class RebuildError(Exception):
    """The PDF could not be rebuilt to the counted pages; the message says why."""


def pikepdf_node(ref: Any) -> TreeNode | None:
    """The ``pdf_tree`` view of one pikepdf page tree entry."""
    if not isinstance(ref, pikepdf.Dictionary):
        return None
    key: Hashable | None = ref.objgen if ref.is_indirect else None
    kind = ref.get("/Type")
    kids = ref.get("/Kids")
    count: Any = ref.get("/Count")
    return TreeNode(key=key, type=str(kind) if isinstance(kind, pikepdf.Name) else None,
                    kids=list(kids) if isinstance(kids, pikepdf.Array) else None,
                    has_kids_key="/Kids" in ref,
                    count=count if type(count) is int else None)


def rebuild_page_tree(source: str | os.PathLike[str], target: str | os.PathLike[str],
                      expected_pages: int, limits: Limits, deadline: float) -> int:
    """Write ``target``: ``source`` with a flat page tree of its distinct page objects.

    Raises ``RebuildError`` when qpdf cannot read the file or finds another number of
    pages than ``expected_pages``; answers the number of pages written.
    """
    try:
        pdf = pikepdf.open(os.fspath(source), inherit_page_attributes=False, attempt_recovery=True)
    except pikepdf.PasswordError as exc:
        raise RebuildError(f"qpdf cannot open the encrypted file: {exc}") from exc
    except Exception as exc:
        raise RebuildError(f"qpdf cannot read the file: {exc}") from exc
    with pdf:
        try:
            tree = walk_page_tree(pdf.Root.get("/Pages"), pikepdf_node,
                                  max_depth=limits.max_tree_depth,
                                  max_pages=limits.max_pages, deadline=deadline)
        except TooManyPages as exc:
            raise RebuildError(f"more than {limits.max_pages} pages") from exc
        except TreeTimeout as exc:
            raise RebuildError("the page tree was not read within the time budget") from exc
        except Exception as exc:
            raise RebuildError(f"qpdf cannot read the page tree: {exc}") from exc
        if len(tree.leaves) != expected_pages:
            raise RebuildError(f"qpdf reads {len(tree.leaves)} pages where the analysis "
                               f"counted {expected_pages}")
        root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Pages,
                                                    Kids=pikepdf.Array(),
                                                    Count=len(tree.leaves)))
        kids = []
        for leaf in tree.leaves:
            page = leaf.ref if leaf.ref.is_indirect else pdf.make_indirect(leaf.ref)
            for name in INHERITED:
                if name in page:
                    continue
                for ancestor in reversed(leaf.ancestors):
                    if name in ancestor:
                        page[name] = ancestor[name]
                        break
            if "/Kids" in page:
                del page["/Kids"]
            page.Type = pikepdf.Name.Page
            page.Parent = root
            kids.append(page)
        root.Kids = pikepdf.Array(kids)
        pdf.Root.Pages = root
        prefs = pdf.Root.get("/ViewerPreferences")
        if isinstance(prefs, pikepdf.Dictionary) and "/NumCopies" in prefs:
            del prefs["/NumCopies"]
        try:
            pdf.save(os.fspath(target), linearize=False, fix_metadata_version=False)
        except Exception as exc:
            raise RebuildError(f"qpdf cannot write the rebuilt file: {exc}") from exc
    return len(tree.leaves)

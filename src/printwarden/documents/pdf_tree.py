"""The PDF page tree, walked once and checked: which page objects a document holds.

Readers disagree about malformed page trees. A root ``/Count 1`` over 100x100x100
shared ``/Kids`` is one page to qpdf and PDFium and a million to Ghostscript; a cycle
stops some readers and loops others; a ``/Type /Page`` node with ``/Kids`` is a page to
one reader and a subtree to the next. So the analyser never trusts ``/Count`` and never
expands a shared subtree: it counts **distinct page objects**, each once, in first-seen
depth-first order, and reports every deviation from PDF 32000-1 7.7.3 as a problem:

- a node reached again (shared subtree or page) or on its own path (a cycle);
- a ``/Count`` that differs from the pages found beneath the node;
- a node that is not a dictionary, a direct object, a missing or wrong ``/Type``;
- a tree deeper than ``max_depth``.

A tree without problems has one reading, the same in every conforming reader. A tree
with problems is counted as above and must be rebuilt (``pdf_rewrite``) before any
device sees it, so that the rebuilt file has exactly these pages and one reading again.

The walk is generic over the PDF library: ``inspect`` turns one library object into a
``TreeNode``; pypdf (analysis) and pikepdf (rewriting) each supply theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PageTree", "TooManyPages", "TreeNode", "TreeTimeout", "walk_page_tree"]

_MAX_PROBLEMS = 5


@dataclass(frozen=True)
class TreeNode:
    """What the walk needs of one page tree entry.

    ``key`` identifies an indirect object (object and generation number) and is None for
    a direct object; ``kids`` is the raw ``/Kids`` array when it is one; ``count`` the
    integer ``/Count`` or None.
    """

    key: Hashable | None
    type: str | None
    kids: Sequence[Any] | None
    has_kids_key: bool
    count: int | None


@dataclass(frozen=True)
class Leaf:
    """A page object and the nodes above it (root first) on the path it was found by."""

    ref: Any
    ancestors: tuple[Any, ...]


@dataclass(frozen=True)
class PageTree:
    leaves: tuple[Leaf, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def well_formed(self) -> bool:
        return not self.problems


class TooManyPages(Exception):
    """The tree holds more page objects than the limit allows."""


class TreeTimeout(Exception):
    """The walk ran past its deadline."""


@dataclass
class _Walk:
    inspect: Callable[[Any], TreeNode | None]
    max_depth: int
    max_pages: int
    deadline: float | None
    leaves: list[Leaf] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seen: set[Hashable] = field(default_factory=set)
    path: set[Hashable] = field(default_factory=set)
    visited: int = 0

    def problem(self, text: str) -> None:
        if text not in self.problems and len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(text)

    def node(self, ref: Any, ancestors: tuple[Any, ...], depth: int) -> int:
        """Walk the entry ``ref``; answers the number of new pages found under it."""
        self.visited += 1
        if self.deadline is not None and self.visited % 1024 == 0 \
                and time.monotonic() > self.deadline:
            raise TreeTimeout
        node = self.inspect(ref)
        if node is None:
            self.problem("a page tree entry is not a dictionary")
            return 0
        if node.key is None:
            self.problem("a page tree entry is a direct object, not a reference")
        elif node.key in self.path:
            self.problem("the page tree has a cycle")
            return 0
        elif node.key in self.seen:
            self.problem("the page tree reaches the same object more than once")
            return 0
        else:
            self.seen.add(node.key)
        if node.kids is not None and node.type != "/Page":
            return self.subtree(ref, node, ancestors, depth)
        if node.type != "/Page":
            self.problem("a page object without /Type /Page")
        if node.has_kids_key:
            self.problem("a page object with /Kids")
        if not ancestors:
            self.problem("the page tree root is a page, not a /Pages node")
        if len(self.leaves) >= self.max_pages:
            raise TooManyPages
        self.leaves.append(Leaf(ref, ancestors))
        return 1

    def subtree(self, ref: Any, node: TreeNode, ancestors: tuple[Any, ...],
                depth: int) -> int:
        if node.type != "/Pages":
            self.problem("a page tree node without /Type /Pages")
        if depth >= self.max_depth:
            self.problem(f"the page tree is deeper than {self.max_depth} levels")
            return 0
        if node.key is not None:
            self.path.add(node.key)
        below = (*ancestors, ref)
        found = 0
        assert node.kids is not None
        for kid in node.kids:
            found += self.node(kid, below, depth + 1)
        if node.key is not None:
            self.path.discard(node.key)
        if node.count != found:
            self.problem(f"a /Count of {node.count} over {found} pages")
        return found


def walk_page_tree(root: Any, inspect: Callable[[Any], TreeNode | None], *,
                   max_depth: int = 64, max_pages: int = 100_000,
                   deadline: float | None = None) -> PageTree:
    """The distinct page objects under ``root`` (the catalog's ``/Pages``) and the
    problems found; raises ``TooManyPages`` past ``max_pages``, ``TreeTimeout`` past
    ``deadline`` (a ``time.monotonic()`` value)."""
    walk = _Walk(inspect, max_depth, max_pages, deadline)
    node = inspect(root)
    if node is None or node.kids is None:
        walk.problem("the catalog has no /Pages tree with /Kids")
        if node is not None:  # a lone page as the root: count it, flag the tree
            walk.node(root, (), 0)
    else:
        walk.node(root, (), 0)
    return PageTree(tuple(walk.leaves), tuple(walk.problems))

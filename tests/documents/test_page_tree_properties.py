"""Property: for every PDF the agent would accept, what the device receives has exactly
the pages that were counted, whatever the page tree says (``/Count`` lies, shared
``/Kids``, cycles, depth, missing or extra kids, type confusion).

Trees start honest and are then mutated; each accepted document (certain as it is, or
rewritten to the counted pages) is counted again by three readers that are not our
analyser: qpdf, pypdf's own page list, and PDFium.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from printwarden.documents import analyse
from printwarden.documents.rewrite import rewrite_to_counted
from tests.documents.pagetrees import ROOT, Node, honest_tree, qpdf_pages, write_tree

SHAPES = st.recursive(st.just(0), lambda kids: st.lists(kids, min_size=1, max_size=4),
                      max_leaves=10)
NODE = st.integers(0, 1000)
MUTATIONS = st.one_of(
    st.tuples(st.just("count"), NODE, st.integers(-1, 10**7)),
    st.tuples(st.just("share"), NODE, NODE),  # a second reference: sharing or a cycle
    st.tuples(st.just("drop"), NODE, NODE),
    st.tuples(st.just("extra"), NODE, st.booleans()),  # a new page, /Count fixed or not
    st.tuples(st.just("untype"), NODE, NODE),
    st.tuples(st.just("retype"), NODE, NODE),
    st.tuples(st.just("kids-on-page"), NODE, NODE),
    st.tuples(st.just("deepen"), st.integers(1, 80), st.booleans()),
    st.tuples(st.just("dangling"), NODE, NODE),
)


def mutate(nodes: dict[int, Node], mutation: tuple[Any, ...]) -> None:
    kind, a, b = mutation
    numbers = sorted(nodes)
    node = nodes[numbers[a % len(numbers)]]
    other = numbers[b % len(numbers)] if isinstance(b, int) else None
    inner = [nodes[n] for n in numbers if nodes[n].kind == "pages"]
    if kind == "count" and node.kind == "pages":
        node.count = b
    elif kind == "share" and inner:
        assert other is not None
        inner[a % len(inner)].kids.append(other)
    elif kind == "drop" and node.kids:
        del node.kids[b % len(node.kids)]
    elif kind == "extra" and inner:
        target = inner[a % len(inner)]
        fresh = max(nodes) + 1
        nodes[fresh] = Node("page")
        target.kids.append(fresh)
        if b and target.count is not None:
            target.count += 1
    elif kind == "untype":
        node.type = None
    elif kind == "retype":
        node.type = "/Page" if node.kind == "pages" else "/Pages"
    elif kind == "kids-on-page" and node.kind == "page":
        assert other is not None
        node.kids_key, node.kids = True, [other]
    elif kind == "deepen":
        top = nodes[ROOT]
        kids, count = top.kids, top.count
        first = max(nodes) + 1
        for level in range(a):
            nodes[first + level] = Node("pages", kids=[first + level + 1], count=count)
        nodes[first + a - 1].kids = kids
        top.kids = [first]
        if not b:
            top.count = (count or 0) + 1
    elif kind == "dangling" and inner:
        inner[a % len(inner)].kids.append(5000 + b)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(shape=SHAPES, mutations=st.lists(MUTATIONS, max_size=4))
def test_pages_forwarded_equal_pages_charged_for_every_accepted_pdf(
        tmp_path: Path, shape: Any, mutations: list[tuple[Any, ...]]) -> None:
    nodes = honest_tree(shape if isinstance(shape, list) else [shape])
    for mutation in mutations:
        mutate(nodes, mutation)
    pdf = write_tree(tmp_path / "tree.pdf", nodes)
    info = analyse(pdf)
    if not info.pages:
        return  # no pages or unknown: the agent refuses, nothing charged, nothing printed
    forwarded = pdf
    if not info.count_certain:
        out = tmp_path / "rewritten.pdf"
        out.unlink(missing_ok=True)
        done = rewrite_to_counted(pdf, out, "pdf", info.pages)
        if done.info is None:
            return  # refused
        assert done.info.pages == info.pages and done.info.count_certain
        forwarded = out
    charged = info.pages
    assert qpdf_pages(forwarded) == charged
    assert len(PdfReader(forwarded).pages) == charged
    document = pdfium.PdfDocument(str(forwarded))
    try:
        assert len(document) == charged
    finally:
        document.close()
    if not mutations:
        assert info.count_certain and forwarded == pdf  # an honest tree is sent as it is

"""Corpus fixtures: the documents are generated once per session into a temporary
directory (never committed)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.documents.corpus import Case, Corpus, build_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def case(corpus: Corpus) -> Callable[[str], Case]:
    def get(name: str) -> Case:
        if name not in corpus.cases:
            group = next((g for g in corpus.skipped if name.startswith(g)), None)
            pytest.skip(corpus.skipped.get(group or "", f"case {name} not built"))
        return corpus.cases[name]

    return get

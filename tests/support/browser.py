"""Headless Chromium pages for web UI tests (Playwright driving the system's chromium)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


@contextlib.contextmanager
def chromium_page(**context: Any) -> Iterator[Any]:
    """A fresh page of a headless Chromium (``context``: Playwright's new_context options,
    e.g. ``viewport``); fails the test when chromium is missing."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (scripts/test.sh installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        try:
            yield browser.new_context(**context).new_page()
        finally:
            browser.close()

"""Open the dashboard in headless Chromium (Debian's package, driven by Playwright).

Used by the browser tests and by `scripts/dashboard.py --screenshot`. Every
request the page makes is intercepted: file:// is served, anything else is
refused and recorded, so a test can prove the page needs no network.
Playwright's own browser downloads are never used (`playwright install` is
not part of this project); the system chromium is.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 900}


def chromium_path() -> str | None:
    """The system chromium: env REVOPS_CHROMIUM, else /usr/bin/chromium, else chromium on PATH."""
    candidates = [os.environ.get("REVOPS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")]
    return next((path for path in candidates if path and Path(path).exists()), None)


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class DashboardBrowser:
    """One headless chromium; `open` loads a dashboard in a fresh context with every request routed."""

    def __init__(self, playwright: Any) -> None:
        executable = chromium_path()
        if executable is None:
            raise RuntimeError("no chromium found: apt-get install chromium (scripts/test.sh does it)")
        self.browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

    def close(self) -> None:
        self.browser.close()

    def open(self, html: Path, viewport: dict[str, int] | None = None) -> tuple[Any, PageLog]:
        log = PageLog()
        context = self.browser.new_context(viewport=viewport or VIEWPORT, device_scale_factor=1)
        page = context.new_page()

        def route(route: Any) -> None:
            url = route.request.url
            log.requests.append(url)
            if url.startswith("file://"):
                route.continue_()
            else:
                log.refused.append(url)
                route.abort()

        page.route("**/*", route)
        page.on(
            "console", lambda message: message.type == "error" and log.console_errors.append(message.text)
        )
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.wait_for_selector("body[data-ready='true']", timeout=30_000)
        return page, log

    def blank_page(self) -> Any:
        """A page with no document, for helpers (nothing routed: it loads nothing)."""
        return self.browser.new_context().new_page()


@contextmanager
def dashboard_browser() -> Iterator[DashboardBrowser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = DashboardBrowser(playwright)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(html: Path, out: Path) -> None:
    """A full-page PNG of the dashboard as it first opens."""
    with dashboard_browser() as browser:
        page, _log = browser.open(html)
        page.wait_for_timeout(300)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)

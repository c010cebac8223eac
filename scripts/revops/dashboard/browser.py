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


# A fontconfig configuration that is the system's minus every font able to write Japanese, Chinese
# or Korean: chromium under it is a machine with no CJK font, with the system's rendering settings.
MASKED_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <cachedir>{cache}</cachedir>
  <selectfont>
    <rejectfont>
      <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
      <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
      <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
    </rejectfont>
  </selectfont>
</fontconfig>
"""


def masked_fontconfig(directory: Path) -> dict[str, str]:
    """The environment for a chromium that sees no CJK font (FONTCONFIG_FILE), written to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "fonts.conf"
    config.write_text(MASKED_FONTCONFIG.format(cache=directory / "cache"), encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


class DashboardBrowser:
    """One headless chromium; `open` loads a dashboard in a fresh context with every request routed.

    `env` is chromium's environment (for example `masked_fontconfig`, a machine without CJK fonts)."""

    def __init__(self, playwright: Any, env: dict[str, str] | None = None) -> None:
        executable = chromium_path()
        if executable is None:
            raise RuntimeError("no chromium found: apt-get install chromium (scripts/test.sh does it)")
        self.browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, env=env)

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
def dashboard_browser(env: dict[str, str] | None = None) -> Iterator[DashboardBrowser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = DashboardBrowser(playwright, env)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(html: Path, out: Path, env: dict[str, str] | None = None) -> None:
    """A full-page PNG of the dashboard as it first opens."""
    with dashboard_browser(env) as browser:
        page, _log = browser.open(html)
        page.wait_for_timeout(300)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)

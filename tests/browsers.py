"""Playwright on Debian's Chromium for the web app's browser tests (tests/e2e/test_web_*.py).

`make test` installs Chromium with apt when it is missing (Makefile, `chromium` target).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = os.environ.get("KORPO_CHROMIUM", "/usr/bin/chromium")
# The flags a sandboxed root session needs, and none of Chromium's own calls home (this
# machine's network is closed: they would only fail, many at a time).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-domain-reliability", "--metrics-recording-only",
        "--no-pings"]
# Nothing but this machine resolves: a test can never reach another host, even by a redirect
# to a network's share page (the test reads where it was sent instead), unless a test maps a
# name to a server of its own on 127.0.0.1 (tests/mastodon_server.py).
RESOLVER_RULES = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
# A person's Chrome (Headless Chrome says so in its user agent, and track_click refuses it).
CHROME_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Mobile Safari/537.36")
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1366, "height": 800}
SERIOUS = ("serious", "critical")


@contextlib.contextmanager
def browser_or_skip(*own_rules: str) -> Iterator[Any]:
    """Chromium, headless; `own_rules` (e.g. "MAP mastodon.test:443 127.0.0.1:8443") come
    before the rule that resolves nothing else."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs it (apt chromium)")
    with sync_playwright() as playwright:
        rules = ", ".join((*own_rules, RESOLVER_RULES))
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, f"--host-resolver-rules={rules}"],
            headless=True)
        try:
            yield browser
        finally:
            browser.close()


def desktop_context(browser: Any, language: str) -> Any:
    locale = {"en": "en-GB", "fr": "fr-FR"}[language]
    return browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale=locale,
                               user_agent=CHROME_UA.replace("Mobile ", ""))


def document_methods(page: Any) -> list[str]:
    """The methods of the page's own loads from now on (a reload that posts again says
    POST), as a list that fills as the page navigates."""
    methods: list[str] = []
    page.on("request", lambda request: methods.append(request.method)
            if request.resource_type == "document" and request.frame == page.main_frame
            else None)
    return methods


def phone_context(browser: Any, language: str, **options: Any) -> Any:
    locale = {"en": "en-GB", "fr": "fr-FR"}[language]
    return browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True,
                               has_touch=True, locale=locale, user_agent=CHROME_UA, **options)


def collect_console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    documents: set[str] = set()  # the addresses the page itself was loaded from (or posted to)

    def on_request(request: Any) -> None:
        if request.resource_type == "document" and request.frame == page.main_frame:
            documents.add(request.url.split("#")[0])

    def on_console(message: Any) -> None:
        # A form shown again with its errors answers 400 (or 409): Chromium logs that for the
        # document itself, which is no fault of the page (whose address app.js may then have
        # replaced in the history). Any other failed load or error counts.
        document = message.location.get("url", "").split("#")[0] in documents | {
            page.url.split("#")[0]}
        if message.type == "error" and not (document and "Failed to load resource" in message.text):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def assert_page_is_sound(page: Any, screenshot: Path, errors: list[str]) -> None:
    """No serious or critical axe-core violation, no horizontal scrolling at the phone's
    width, no console error (CSP violations are reported there); and a screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    page.screenshot(path=str(screenshot), full_page=True)
    results = Axe().run(page)
    serious = [f"{v['id']} ({v['impact']}): {v['help']} at "
               f"{[n['target'] for n in v['nodes']][:3]}"
               for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, f"{page.url}: {serious}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert not errors, f"{page.url}: console errors {errors}"


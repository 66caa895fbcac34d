"""The home page in each language, with the security headers the web app sends today
(functions/web/webapp/render.py `security_headers`, pages.py's `no-store`), and a static asset
cached as content-hashed names are.

A signed-out visitor's `/` is a 303 to the sign-in page: each hop is checked, then the page.
"""
from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import urljoin, urlsplit

import requests

from infra.smoke.report import HTTP_TIMEOUT_S, OK, SKIPPED, Result, failed

LANGUAGES = ("en", "fr")
MAX_HOPS = 3
# Sources no strict policy allows, in any directive.
_LAX_SOURCES = {"*", "'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "http:"}
# The directives the web app pins, and their values.
_PINNED = {"default-src": "'none'", "script-src": "'self'", "style-src": "'self'",
           "base-uri": "'none'", "form-action": "'self'"}
_PRIVATE_REFERRERS = ("same-origin", "no-referrer")  # the app sends same-origin
HSTS_MIN_AGE = 31_536_000  # a year, what the app sends over https
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_STYLESHEET = re.compile(r'href="(/static/[^"]+)"')


def csp_directives(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            directives.setdefault(name.lower(), sources)
    return directives


def header_problems(headers: Mapping[str, str], https: bool) -> list[str]:
    """What is missing from, or weaker than, what every page of the web app sends."""
    problems = []
    policy = headers.get("Content-Security-Policy")
    directives = csp_directives(policy or "")
    if not policy:
        problems.append("no Content-Security-Policy")
    for name, value in _PINNED.items():
        if policy and directives.get(name) != [value]:
            problems.append(f"CSP {name} is {' '.join(directives.get(name, [])) or 'absent'}, "
                            f"not {value}")
    lax = sorted({s for sources in directives.values() for s in sources if s in _LAX_SOURCES})
    if lax:
        problems.append(f"CSP allows {', '.join(lax)}")
    ancestors = directives.get("frame-ancestors")
    if policy and not ancestors:
        problems.append("CSP has no frame-ancestors")
    elif ancestors == ["'none'"] and headers.get("X-Frame-Options", "").upper() != "DENY":
        problems.append("X-Frame-Options is not DENY (frame-ancestors 'none')")
    elif ancestors and ancestors != ["'none'"] and not all(
            a.startswith("https://") for a in ancestors):
        problems.append(f"frame-ancestors allows {' '.join(ancestors)} (https origins only)")
    if headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if headers.get("Referrer-Policy", "").lower() not in _PRIVATE_REFERRERS:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}, "
                        "not same-origin")
    if headers.get("Cross-Origin-Opener-Policy", "").lower() != "same-origin":
        problems.append("Cross-Origin-Opener-Policy is not same-origin")
    if not headers.get("Permissions-Policy"):
        problems.append("no Permissions-Policy")
    if "no-store" not in headers.get("Cache-Control", "").lower():
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}, not no-store")
    if https:
        age = re.search(r"max-age=(\d+)", headers.get("Strict-Transport-Security", ""))
        if not age or int(age.group(1)) < HSTS_MIN_AGE:
            problems.append("Strict-Transport-Security max-age below a year")
    return problems


def fetch_page(http: requests.Session, url: str, language: str
               ) -> tuple[requests.Response, list[str]]:
    """The page `url` leads to (redirects followed on this origin only), and the header
    problems of every answer on the way."""
    origin = urlsplit(url)[:2]
    problems: list[str] = []
    for _ in range(MAX_HOPS + 1):
        answer = http.get(url, headers={"Accept-Language": language, "Accept": "text/html"},
                          allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        where = urlsplit(url).path or "/"
        problems += [f"{where} ({answer.status_code}): {p}"
                     for p in header_problems(answer.headers, url.startswith("https://"))]
        if answer.status_code not in (301, 302, 303, 307, 308):
            return answer, problems
        url = urljoin(url, answer.headers.get("Location", ""))
        if urlsplit(url)[:2] != origin:
            problems.append(f"{where} redirects to another origin: {url}")
            return answer, problems
    problems.append(f"more than {MAX_HOPS} redirects")
    return answer, problems


def title_of(html: str) -> str:
    found = _TITLE.search(html)
    return found.group(1).strip() if found else ""


def check_home(http: requests.Session, url: str) -> list[Result]:
    """One result per language, and one for the static asset the page links to."""
    results, english_title, stylesheet, loaded = [], None, None, False
    for language in LANGUAGES:
        name = f"home page ({language})"
        http.cookies.clear()  # a first visit in each language: only Accept-Language decides
        try:
            page, problems = fetch_page(http, url.rstrip("/") + "/", language)
        except requests.RequestException as error:
            results.append(failed(name, f"no answer: {error}"))
            continue
        html = page.text if "text/html" in page.headers.get("Content-Type", "") else ""
        loaded = loaded or bool(html)
        if page.status_code != 200 or not html:
            problems.append(f"{urlsplit(page.url).path}: {page.status_code} "
                            f"{page.headers.get('Content-Type')}, not a 200 HTML page")
        if html and f'<html lang="{language}"' not in html:
            problems.append(f'the page is not <html lang="{language}">')
        if page.headers.get("Content-Language") != language:
            problems.append(f"Content-Language is {page.headers.get('Content-Language')!r}")
        title = title_of(html)
        if language == "en":
            english_title = title
        elif title and title == english_title:
            problems.append(f"its title is the English one ({title!r}): no {language} "
                            "catalogue in the deployed web function?")
        linked = _STYLESHEET.search(html)
        stylesheet = stylesheet or (linked.group(1) if linked else None)
        where = urlsplit(page.url).path
        results.append(failed(name, "not as the web app serves it", *problems) if problems
                       else Result(name, OK, f"{where} {title!r}, security headers present"))
    results.append(check_static(http, url, stylesheet, loaded))
    return results


def check_static(http: requests.Session, url: str, path: str | None,
                 page_loaded: bool = True) -> Result:
    name = "static assets"
    if not page_loaded:
        return Result(name, SKIPPED, "no home page to find them in")
    if path is None:
        return failed(name, "the home page links no /static/ asset")
    try:
        answer = http.get(urljoin(url, path), timeout=HTTP_TIMEOUT_S)
    except requests.RequestException as error:
        return failed(name, f"{path}: no answer: {error}")
    problems = []
    if answer.status_code != 200:
        problems.append(f"{answer.status_code}")
    if "immutable" not in answer.headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {answer.headers.get('Cache-Control')!r}, not "
                        "immutable")
    if answer.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if problems:
        return failed(name, f"{path}: " + "; ".join(problems))
    return Result(name, OK, f"{path} cached immutable")

"""Templates (Jinja2, autoescaped), static assets with content-hashed names, security headers.

Every text a template prints is escaped; the only HTML printed as HTML is a post's summary,
which the poller sanitised with nh3 when it stored it (`|safe` marks those few places).
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from webapp import i18n

HERE = Path(__file__).parent
STATIC = HERE / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: str  # read once, with its hash: the files never change in a deployment
    content_type: str
    etag: str


def _hashed_name(path: Path, digest: str) -> str:
    return f"{path.stem}.{digest[:12]}{path.suffix}"


@lru_cache(maxsize=1)
def assets() -> tuple[dict[str, str], dict[str, Asset]]:
    """(logical name -> URL path, hashed name -> asset), computed once per container.

    A new deployment with a changed file gives it a new name, so a year of caching is safe.
    """
    urls: dict[str, str] = {}
    files: dict[str, Asset] = {}
    for path in sorted(STATIC.iterdir()):
        if not path.is_file():
            continue
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        name = _hashed_name(path, digest)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("javascript", "+xml")):
            content_type += "; charset=utf-8"
        urls[path.name] = f"/static/{name}"
        files[name] = Asset(content.decode("utf-8"), content_type, f'"{digest[:32]}"')
    return urls, files


def static_url(name: str) -> str:
    return assets()[0][name]


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#1d4ed8"


def theme_css(colour: str) -> str:
    """The brand's colour as a stylesheet (the CSP refuses inline styles)."""
    return f":root{{--brand:{colour if _COLOUR.match(colour or '') else DEFAULT_COLOUR}}}\n"


def colour_of(raw: str | None) -> str | None:
    """"1d4ed8" (a theme URL's `c`) -> "#1d4ed8"; None unless six hex digits."""
    return f"#{raw.lower()}" if raw and _COLOUR.match(f"#{raw}") else None


def theme_url(colour: str) -> str:
    """It names the colour, so it changes with it and is cached like any asset."""
    chosen = colour if _COLOUR.match(colour or "") else DEFAULT_COLOUR
    return f"/theme.css?c={chosen[1:].lower()}"


@lru_cache(maxsize=None)
def environment(language: str):  # -> jinja2.Environment
    """One environment per language (their gettext differs); templates compile once each."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(language), newstyle=True)
    env.globals["static_url"] = static_url
    # A link to a post only where its address is http(s): the poller stores nothing else, but
    # a page does not rely on it (a javascript: href is refused by the CSP too).
    from korpo.tracking.links import safe_destination

    env.tests["web_address"] = safe_destination
    return env


def render(language: str, template: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(template).render(**context)


def security_headers(frame_ancestors: str, https: bool,
                     form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    """A strict CSP: our own scripts and styles only, no inline script, no framing unless the
    FrameAncestors parameter allows an origin (an intranet); post images may come from the
    brand's sites over https (docs/decisions.md, "Web app"). Forms post to this site only,
    except where a page names `form_targets`: the share sheet's form goes through this site
    to the networks' share pages, and a form's redirects are held to form-action too."""
    ancestors = frame_ancestors or "'none'"
    targets = "".join(f" {target}" for target in form_targets)
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
           f"connect-src 'self'; form-action 'self'{targets}; base-uri 'none'; "
           f"manifest-src 'self'; frame-ancestors {ancestors}")
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not frame_ancestors:
        headers["X-Frame-Options"] = "DENY"  # for browsers without frame-ancestors
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers

"""Chalice behind API Gateway's greedy routes: find the real route before Chalice sees the event.

The template gives each function a few routes that cover its whole URL space (the web app
`$default`, the JSON API `/me/{proxy+}`…), so each function needs one Lambda permission, or a
few, however many pages it serves (docs/decisions.md, "Greedy routes"). Chalice dispatches on
`requestContext.resourcePath` and finds nothing under "/me/{proxy+}" or "$default": `resolve`
matches the request's path against the app's own route table, as API Gateway matches
declared routes (literal segments before `{parameters}`), and rewrites the event as API
Gateway would have sent it for that route.

And the way back: `answer_with(app, defaults)` makes every answer of an app, Chalice's own
errors included (415, 405, an exception), carry the app's security headers, and in a form
any gateway can send (`sendable_headers`).

A Lambda function URL (the public edge's option, `PublicEdge=function-url`) has no routes at all
and sends payload format 2.0, which Chalice cannot dispatch: `from_function_url` rewrites its
event as the 1.0 event API Gateway sends, and `to_function_url` the 1.0 answer as a function
URL takes it.

Kept beside the domain in the layer, not in it: this is about API Gateway's event shape.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote

from chalice import Response

logger = logging.getLogger(__name__)

# The route each app registers for a path it does not serve (a page or a JSON answer saying
# so, with the security headers): never matched by a request, only chosen by `resolve`.
FALLBACK = "/{proxy+}"
# A URL longer than API Gateway takes is refused by it before it reaches us; this bounds the
# work on anything that does (segments of a route are a handful).
MAX_SEGMENTS = 32


@dataclass(frozen=True)
class _Template:
    path: str
    parts: tuple[str, ...]  # literal segments, or None where a {parameter} stands
    names: tuple[str | None, ...]

    @property
    def specificity(self) -> tuple[int, ...]:
        """Literal segments win over parameters, from the left (API Gateway's rule)."""
        return tuple(0 if name else 1 for name in self.names)


def _template(path: str) -> _Template:
    segments = path.strip("/").split("/") if path.strip("/") else []
    names = tuple(s[1:-1] if s.startswith("{") and s.endswith("}") else None for s in segments)
    return _Template(path, tuple(segments), names)


@dataclass(frozen=True)
class Match:
    path: str  # the route's template, e.g. /news/{post_id}
    params: dict[str, str]
    methods: frozenset[str]


class Router:
    """The routes of one Chalice app (`app.routes`), indexed once per cold start."""

    def __init__(self, paths: Iterable[str], methods: Mapping[str, Iterable[str]]) -> None:
        self._by_length: dict[int, list[_Template]] = {}
        for path in paths:
            if "+}" in path:
                continue  # the fallback, and any greedy route: never matched by a path
            template = _template(path)
            self._by_length.setdefault(len(template.parts), []).append(template)
        for templates in self._by_length.values():
            templates.sort(key=lambda t: t.specificity, reverse=True)
        self._methods = {path: frozenset(m) for path, m in methods.items()}

    @classmethod
    def of(cls, app: Any) -> Router:
        return cls(app.routes, {path: entries.keys() for path, entries in app.routes.items()})

    def match(self, path: str) -> Match | None:
        """The route serving `path` (raw, percent-encoded as sent), or None."""
        if not path.startswith("/"):
            return None
        raw = path[1:].split("/", MAX_SEGMENTS) if path != "/" else []
        if len(raw) > MAX_SEGMENTS or "" in raw:
            return None  # too deep, or an empty segment ("//", a trailing "/"): no route has one
        segments = [unquote(s, errors="strict") if "%" in s else s for s in raw]
        for template in self._by_length.get(len(segments), ()):
            params: dict[str, str] = {}
            for literal, name, have in zip(template.parts, template.names, segments):
                if name:
                    params[name] = have
                elif literal != have:
                    break
            else:
                return Match(template.path, params, self._methods[template.path])
        return None


def resolve(router: Router, event: dict[str, Any]) -> dict[str, Any]:
    """The event Chalice can dispatch: the real route of its path, or FALLBACK when no route
    serves that path with that method (HEAD is served as GET where a route has no HEAD)."""
    context = event.get("requestContext") or {}
    method = str(context.get("httpMethod") or event.get("httpMethod") or "GET").upper()
    try:
        found = router.match(event.get("path") or context.get("path") or "/")
    except UnicodeDecodeError:  # percent-encoded bytes that are not UTF-8
        found = None
    out = copy.copy(event)
    out["requestContext"] = dict(context)
    if found is not None and method == "HEAD" and "HEAD" not in found.methods \
            and "GET" in found.methods:
        method = "GET"
        out["httpMethod"] = out["requestContext"]["httpMethod"] = method
    if found is None or method not in found.methods:
        out["resource"] = out["requestContext"]["resourcePath"] = FALLBACK
        out["pathParameters"] = {"proxy": event.get("path") or "/"}
        return out
    out["resource"] = out["requestContext"]["resourcePath"] = found.path
    out["pathParameters"] = found.params or None
    return out


def allowed_methods(router: Router, path: str) -> list[str]:
    """The methods the route of `path` takes (empty: no route serves it), for a 405's Allow."""
    try:
        found = router.match(path)
    except UnicodeDecodeError:
        return []
    return sorted(found.methods) if found else []


# ------------------------------------------------------------------ answers a gateway can send

# What a URL keeps as it is: its delimiters and existing %-escapes (RFC 3986's reserved and
# unreserved characters); anything else is percent-encoded as UTF-8, as a browser would.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def _visible(value: str) -> bool:
    """Visible ASCII and spaces: what every gateway and HTTP client sends and reads alike."""
    return all(" " <= c <= "~" for c in value)


def sendable_location(location: str) -> str:
    """A Location header in visible ASCII: a path or an address with non-ASCII letters, a
    space or a control character is percent-encoded (a line break can never start a header of
    its own); an address already in ASCII is kept as it is."""
    return location if _visible(location) and " " not in location else quote(
        location, safe=_URL_SAFE)


def sendable_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """The headers as a gateway can send them: Location percent-encoded when it must be;
    any other value that is not visible ASCII is dropped (logged), as sending it would lose
    the whole answer (API Gateway documents nothing for it; Python's http.server drops the
    connection)."""
    out: dict[str, Any] = {}
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values]
        if name.lower() == "location":
            values = [sendable_location(v) for v in values]
        if not _visible(name) or not all(_visible(v) for v in values):
            logger.error("header %r dropped: not visible ASCII", name[:40])
            continue
        out[name] = values if isinstance(value, list) else values[0]
    return out


def answer_with(app: Any, defaults: Callable[[Any], Mapping[str, str]]) -> None:
    """Every answer of `app` carries `defaults(request)` (a header the view set wins) and only
    headers a gateway can send: the views' answers, Chalice's own (415 for a wrong content
    type, 405, 400 for a body that is not JSON, 500 for a view that raised) and an answer to
    an exception of a middleware registered after this one."""

    @app.middleware("http")
    def _every_answer(request: Any, get_response: Callable[[Any], Any]) -> Any:
        try:
            response = get_response(request)
        except Exception:  # noqa: BLE001 - Chalice's own handler would answer without them
            logger.exception("request failed")
            response = Response(body="Internal Server Error", status_code=500,
                                headers={"Content-Type": "text/plain; charset=utf-8"})
        headers = dict(response.headers or {})
        for name, value in defaults(request).items():
            if not any(k.lower() == name.lower() for k in headers):
                headers[name] = value
        response.headers = sendable_headers(headers)
        return response


# ------------------------------------------------------------------ a function URL's events


def is_function_url(event: Any) -> bool:
    """A function URL's request (payload 2.0: `requestContext.http`), not API Gateway's 1.0."""
    return (isinstance(event, dict) and event.get("version") == "2.0"
            and isinstance((event.get("requestContext") or {}).get("http"), dict))


def from_function_url(event: dict[str, Any]) -> dict[str, Any]:
    """The payload 1.0 event API Gateway would send for a function URL's request (its route
    not yet resolved: `resolve` does that). What differs: the method, path and source address
    are under `requestContext.http`; the path is `rawPath`; the cookies come as a `cookies`
    list, without a `cookie` header ("Invoking Lambda function URLs", request payload format:
    https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads)."""
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    method = str(http.get("method") or "GET").upper()
    path = event.get("rawPath") or http.get("path") or "/"
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    if event.get("cookies"):
        headers["cookie"] = "; ".join(event["cookies"])
    multi_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(event.get("rawQueryString") or "", keep_blank_values=True):
        multi_query.setdefault(key, []).append(value)
    return {
        "version": "1.0", "resource": path, "path": path, "httpMethod": method,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": event.get("queryStringParameters") or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {
            "accountId": context.get("accountId"), "apiId": context.get("apiId"),
            "domainName": context.get("domainName"), "domainPrefix": context.get("domainPrefix"),
            "httpMethod": method, "path": path, "protocol": http.get("protocol"),
            "requestId": context.get("requestId"), "resourcePath": path,
            "stage": context.get("stage", "$default"),
            "identity": {"sourceIp": http.get("sourceIp"),
                         "userAgent": http.get("userAgent") or headers.get("user-agent", "")},
        },
        "pathParameters": None, "stageVariables": None,
        "body": event.get("body"), "isBase64Encoded": bool(event.get("isBase64Encoded")),
    }


def to_function_url(response: dict[str, Any]) -> dict[str, Any]:
    """A payload 1.0 answer as a function URL takes it: no `multiValueHeaders` (their values
    joined, as HTTP allows), `Set-Cookie` values in `cookies`."""
    out = {k: v for k, v in response.items() if k != "multiValueHeaders"}
    headers = dict(response.get("headers") or {})
    cookies = []
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            cookies.extend(values)
        else:
            headers[name] = ", ".join(str(v) for v in values)
    for name in [n for n in headers if n.lower() == "set-cookie"]:
        cookies.append(headers.pop(name))
    out["headers"] = headers
    if cookies:
        out["cookies"] = cookies
    return out

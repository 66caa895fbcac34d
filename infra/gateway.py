"""The template's HTTP API on 127.0.0.1: each request becomes the event API Gateway would send.

Routes come from the functions' `Type: HttpApi` events. A request is matched to a route as
HTTP APIs match them (exact paths before paths with {parameters}, before greedy {name+},
and the `$default` route, if there is one, for every request no other route takes),
authorized as the route's authorizer would (infra/auth.py), turned into a payload format
1.0 event, and handed to the function in-process; the function's answer is written back as
API Gateway writes a 1.0 response. Answers API Gateway gives itself are reproduced too:
404 {"message":"Not Found"}, 401 {"message":"Unauthorized"}, 500 {"message":"Internal
Server Error"}.

Event shape (developer guide, "Create AWS Lambda proxy integrations for HTTP APIs", payload
format 1.0): version "1.0", resource = the route's path template, path, httpMethod,
headers + multiValueHeaders (HTTP APIs lower-case header names), queryStringParameters +
multiValueQueryStringParameters (null when there are none), pathParameters (null when
none), stageVariables null, body (null when empty) and isBase64Encoded, and a requestContext
whose resourcePath is the route's path template (the request's path on the `$default` route,
as in the guide's example): Chalice routes on it, once the app has found the real route behind
a greedy one (functions/korpo/chalice_routes.py).
"""
from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.auth import Forbidden, JwtAuthorizer, Unauthorized
from infra.template import function_events, resources_of_type

# Content types whose body API Gateway passes as text; any other body is base64-encoded.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/x-javascript")


DEFAULT_ROUTE = "$default"


@dataclass(frozen=True)
class Route:
    function: str  # logical id of the integration
    event_name: str
    method: str  # upper case, or ANY
    path: str  # the route's path template, e.g. /posts/{post_id}/share
    authorizer: str | None  # authorizer name; None: public
    scopes: tuple[str, ...] = ()
    payload_version: str = "1.0"

    @property
    def key(self) -> str:
        return DEFAULT_ROUTE if self.is_default else f"{self.method} {self.path}"

    @property
    def is_default(self) -> bool:
        return self.path == DEFAULT_ROUTE

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters if `path` fits this route's template, else None."""
        if self.is_default:
            return {}
        want = self.path.strip("/").split("/") if self.path != "/" else []
        have = path.strip("/").split("/") if path.strip("/") else []
        params: dict[str, str] = {}
        for index, part in enumerate(want):
            if part.startswith("{") and part.endswith("+}"):  # greedy: the rest of the path
                rest = have[index:]
                if not rest:
                    return None
                params[part[1:-2]] = unquote("/".join(rest))
                return params
            if index >= len(have):
                return None
            if part.startswith("{") and part.endswith("}"):
                if not have[index]:
                    return None
                params[part[1:-1]] = unquote(have[index])
            elif part != have[index]:
                return None
        return params if len(have) == len(want) else None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sort key, most specific first: no greedy part, more literal segments, a method;
        `$default` last of all."""
        if self.is_default:
            return (-1, 0, 0)
        parts = self.path.strip("/").split("/")
        greedy = any(p.endswith("+}") for p in parts)
        literal = sum(1 for p in parts if not p.startswith("{"))
        return (0 if greedy else 1, literal, 0 if self.method == "ANY" else 1)


def http_routes(template: dict[str, Any]) -> list[Route]:
    """Every HttpApi event of every function, with its authorizer resolved (Auth.Authorizer,
    NONE for public, else the API's DefaultAuthorizer)."""
    apis = resources_of_type(template, "AWS::Serverless::HttpApi")
    routes = []
    for fn_id, event_name, props in function_events(template, "HttpApi"):
        api_ref = props.get("ApiId")
        api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
        if api_id is None and len(apis) == 1:
            (api_id,) = apis
        api_auth = ((apis.get(api_id) or {}).get("Properties") or {}).get("Auth") or {}
        auth = props.get("Auth") or {}
        authorizer = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
        version = str(props.get("PayloadFormatVersion", "2.0"))  # SAM's default is 2.0
        if version != "1.0":
            raise NotImplementedError(
                f"{fn_id}.{event_name}: payload format {version}; the local gateway builds "
                "1.0 events (Chalice needs 1.0, see docs)")
        routes.append(Route(
            function=fn_id, event_name=event_name, method=str(props.get("Method", "ANY")).upper(),
            path=props.get("Path", "/"), payload_version=version,
            authorizer=None if authorizer in (None, "NONE") else authorizer,
            scopes=tuple(auth.get("AuthorizationScopes") or ())))
    return routes


def jwt_authorizers(template: dict[str, Any], resources: Any,
                    jwks_url: Callable[[str], str]) -> dict[str, JwtAuthorizer]:
    """{authorizer name: JwtAuthorizer} from every HttpApi's Auth.Authorizers (resolved);
    `jwks_url(issuer)` says where the issuer's keys are served locally."""
    out = {}
    for res in resources_of_type(template, "AWS::Serverless::HttpApi").values():
        auth = (res.get("Properties") or {}).get("Auth") or {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            config = resources.resolve(spec.get("JwtConfiguration") or {})
            if not config:
                continue  # a Lambda authorizer: not played locally
            issuer = config.get("issuer") or config.get("Issuer")
            audience = config.get("audience") or config.get("Audience") or []
            out[name] = JwtAuthorizer(issuer=issuer, audiences=list(audience),
                                      jwks_url=jwks_url(issuer))
    return out


def find_route(routes: list[Route], method: str,
               path: str) -> tuple[Route, dict[str, str]] | None:
    candidates = []
    for route in routes:
        if route.method not in (method.upper(), "ANY"):
            continue
        params = route.match(path)
        if params is not None:
            candidates.append((route.specificity, route, params))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0], reverse=True)
    return candidates[0][1], candidates[0][2]


def _request_id() -> str:
    """Shaped like API Gateway's (base64 of random bytes, e.g. "Bx1cXgZkliAEMfw=")."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


def _is_text(content_type: str | None) -> bool:
    ct = (content_type or "").lower()
    return ct.startswith(_TEXT_TYPES) or ct.endswith(("+json", "+xml"))


@dataclass
class HttpRequest:
    """What the gateway received, before it became an event."""
    method: str
    raw_path: str  # path as sent, without the query string
    query: str  # raw query string
    headers: list[tuple[str, str]]  # as received, in order, duplicates kept
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None


def build_event(route: Route, path_params: dict[str, str], request: HttpRequest,
                authorizer: dict[str, Any] | None, api_id: str, account_id: str,
                request_id: str | None = None, port: int | None = None) -> dict[str, Any]:
    """The payload format 1.0 event an HTTP API sends for `request` on `route`."""
    request_id = request_id or _request_id()
    # API Gateway adds these to what the client sent (HTTP APIs lower-case every name).
    forwarded_for = request.header("x-forwarded-for")
    added = [("x-forwarded-for", f"{forwarded_for}, {request.source_ip}" if forwarded_for
              else request.source_ip),
             ("x-forwarded-port", str(port or 443)), ("x-forwarded-proto", "http"),
             ("x-amzn-trace-id", f"Root=1-{int(request.received_at.timestamp()):08x}-"
                                 f"{secrets.token_hex(12)}")]
    received = [(k.lower(), v) for k, v in request.headers
                if k.lower() not in {name for name, _ in added}]
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for key, value in received + added:
        headers[key] = value  # the last value wins in `headers`, all are in multiValue
        multi_headers.setdefault(key, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query[key] = value
        multi_query.setdefault(key, []).append(value)
    if request.body:
        if _is_text(headers.get("content-type")):
            try:
                body, encoded = request.body.decode("utf-8"), False
            except UnicodeDecodeError:
                body, encoded = base64.b64encode(request.body).decode(), True
        else:
            body, encoded = base64.b64encode(request.body).decode(), True
    else:
        body, encoded = None, False
    # AWS's domainName has no port; here it is the Host header as sent, port included, so
    # a URL a handler builds from it (a share link) comes back to this gateway.
    domain = headers.get("host", f"{api_id}.execute-api.local")
    epoch_ms = int(request.received_at.timestamp() * 1000)
    resource = request.raw_path if route.is_default else route.path
    return {
        "version": "1.0",
        "resource": resource,
        "path": request.raw_path,
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            # A route without an authorizer still carries this object, with nulls.
            "authorizer": authorizer or {"claims": None, "scopes": None},
            "domainName": domain,
            "domainPrefix": domain.split(":")[0].split(".")[0],
            "extendedRequestId": request_id,
            "httpMethod": request.method.upper(),
            "identity": {
                "accessKey": None, "accountId": None, "caller": None,
                "cognitoAuthenticationProvider": None, "cognitoAuthenticationType": None,
                "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                "principalOrgId": None, "sourceIp": request.source_ip, "user": None,
                "userAgent": headers.get("user-agent", ""), "userArn": None,
            },
            "path": request.raw_path,
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": request.received_at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": epoch_ms,
            "resourceId": route.key,
            "resourcePath": resource,
            "stage": "$default",
        },
        "pathParameters": path_params or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": encoded,
    }


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _message(status: int, message: str) -> HttpResponse:
    return HttpResponse(status, [("content-type", "application/json")],
                        json.dumps({"message": message}, separators=(",", ":")).encode())


def _sendable(text: str) -> bool:
    """Visible ASCII, spaces and tabs: a header every gateway and client carries as sent."""
    return all(c == "\t" or " " <= c <= "~" for c in text)


def response_from_lambda(result: Any) -> HttpResponse:
    """A payload 1.0 Lambda response as API Gateway writes it; a malformed one is a 500, and
    so is one with a header that is not visible ASCII.

    headers and multiValueHeaders are merged; a name in multiValueHeaders takes its values
    from there only.
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        return _message(500, "Internal Server Error")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        return _message(500, "Internal Server Error")
    multi = {k.lower(): (v if isinstance(v, list) else [v])
             for k, v in (result.get("multiValueHeaders") or {}).items()}
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()
               if k.lower() not in multi]
    headers += [(k, str(v)) for k, values in multi.items() for v in values]
    if not all(_sendable(k) and _sendable(v) for k, v in headers):
        # A Location such as "/。evil.example", or a line break: API Gateway documents no way
        # to send it, and Python's server would drop the connection half-way. Answered as any
        # malformed response is, so a test sees it here and not a browser in production.
        return _message(500, "Internal Server Error")
    body = result.get("body")
    if body is None:
        data = b""
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body)
        except (binascii.Error, TypeError):
            return _message(500, "Internal Server Error")
    else:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
    return HttpResponse(status, headers, data)


LocalHandler = Callable[[HttpRequest], HttpResponse | None]


class Gateway:
    """Routes, authorizers and the functions behind them; serve() answers on 127.0.0.1."""

    def __init__(self, routes: list[Route], authorizers: dict[str, JwtAuthorizer],
                 invoke: Callable[[str, Any], Any], api_id: str, account_id: str,
                 local: LocalHandler | None = None,
                 log: Callable[[str], None] = print) -> None:
        self.routes, self.authorizers, self._invoke = routes, authorizers, invoke
        self.api_id, self.account_id = api_id, account_id
        self._local, self._log = local, log
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        missing = {r.authorizer for r in routes if r.authorizer} - set(authorizers)
        if missing:
            raise KeyError(f"routes use authorizers not defined: {sorted(missing)}")

    # ----------------------------------------------------------------- one request
    def handle(self, request: HttpRequest, port: int | None = None) -> HttpResponse:
        started = time.monotonic()
        if self._local and request.raw_path.startswith("/_local"):
            answer = self._local(request)
            if answer is not None:
                return answer
        found = find_route(self.routes, request.method, request.raw_path)
        if found is None:
            response = _message(404, "Not Found")
            self._log(f"{request.method} {request.raw_path} -> no route: 404")
            return response
        route, params = found
        request_id = _request_id()
        authorizer = None
        if route.authorizer:
            try:
                authorizer = self.authorizers[route.authorizer].authorize(
                    request.header("authorization"), list(route.scopes))
            except Unauthorized as why:
                self._log(f"{request.method} {request.raw_path} -> 401 ({why})")
                return self._stamp(_message(401, "Unauthorized"), request_id)
            except Forbidden as why:
                self._log(f"{request.method} {request.raw_path} -> 403 ({why})")
                return self._stamp(_message(403, "Forbidden"), request_id)
        event = build_event(route, params, request, authorizer, self.api_id, self.account_id,
                            request_id=request_id, port=port)
        try:
            result = self._invoke(route.function, event)
            response = response_from_lambda(result)
        except Exception:  # noqa: BLE001 - the function failed: API Gateway answers 500
            self._log(f"{route.function} raised:\n{traceback.format_exc()}")
            response = _message(500, "Internal Server Error")
        took = (time.monotonic() - started) * 1000
        self._log(f"{request.method} {request.raw_path} -> {route.function} "
                  f"{response.status} ({took:.0f} ms)")
        return self._stamp(response, request_id)

    @staticmethod
    def _stamp(response: HttpResponse, request_id: str) -> HttpResponse:
        response.headers.append(("apigw-requestid", request_id))
        return response

    # ----------------------------------------------------------------- serving
    def bind(self, port: int, host: str = "127.0.0.1") -> int:
        """Listen on `port`, or a free port when it is taken (0: any). Returns the port."""
        handler = _handler_class(self)
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError:
            if port == 0:
                raise
            self._server = ThreadingHTTPServer((host, 0), handler)
        self._server.daemon_threads = True
        return self._server.server_address[1]

    @property
    def port(self) -> int:
        assert self._server is not None, "bind() first"
        return self._server.server_address[1]

    def serve_in_background(self) -> None:
        assert self._server is not None, "bind() first"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="local-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "korpo-local-gateway"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            request = HttpRequest(method=self.command, raw_path=parts.path or "/",
                                  query=parts.query, headers=list(self.headers.items()),
                                  body=self._read_body(), source_ip=self.client_address[0],
                                  protocol=self.request_version)
            try:
                response = gateway.handle(request, port=self.server.server_address[1])
            except Exception:  # noqa: BLE001 - never leave a client hanging
                gateway._log(traceback.format_exc())
                response = _message(500, "Internal Server Error")
            if not all(_sendable(k) and _sendable(v) for k, v in response.headers):
                # A local endpoint's answer: never a status line followed by a dropped socket.
                response = _message(500, "Internal Server Error")
            self.send_response(response.status)
            names = {k.lower() for k, _ in response.headers}
            for key, value in response.headers:
                if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(key, value)
            if "content-type" not in names and response.body:
                self.send_header("content-type", "application/json")
            body = b"" if self.command == "HEAD" else response.body
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(body)

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # Gateway.handle logs one line per request

    return Handler

"""A function's URL (AWS::Lambda::Url) on 127.0.0.1: each request becomes the event Lambda
sends a function URL's function, as infra/gateway.py does for the HTTP API.

Served when the template's condition on the URL holds (`--param PublicEdge=function-url`), on a
port of its own, as a function URL is a host of its own. No routes: every path and method
reaches the function. Event shape ("Invoking Lambda function URLs", request payload format,
https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads): version
"2.0", routeKey "$default", rawPath, rawQueryString, cookies (a list; the `cookie` header is
left out), headers (lower case, repeated ones joined with commas), queryStringParameters
(repeated ones joined with commas), requestContext with accountId "anonymous" (AuthType NONE),
apiId (the URL id), domainName, http {method, path, protocol, sourceIp, userAgent},
requestId, routeKey, stage "$default", time, timeEpoch; body and isBase64Encoded. The answer:
statusCode, headers, cookies, body, isBase64Encoded; an answer without a statusCode is a 200
with the answer as its JSON body; a function that raises gets a 502, as Lambda gives.
"""
from __future__ import annotations

import base64
import binascii
import json
import time
import traceback
import uuid
from typing import Any, Callable
from urllib.parse import parse_qsl

from infra.gateway import Gateway, HttpRequest, HttpResponse, _is_text
from infra.template import resources_of_type


def function_urls(template: dict[str, Any], refs: dict[str, Any]) -> dict[str, str]:
    """{URL logical id: target function logical id} of the URLs whose condition holds."""
    out = {}
    for logical_id, resource in resources_of_type(template, "AWS::Lambda::Url").items():
        condition = resource.get("Condition")
        if condition and not refs[f"Condition::{condition}"]:
            continue
        target = (resource.get("Properties") or {}).get("TargetFunctionArn") or {}
        attribute = target.get("Fn::GetAtt") if isinstance(target, dict) else None
        name = attribute[0] if isinstance(attribute, list) else str(attribute).split(".")[0]
        out[logical_id] = name
    return out


def build_event(request: HttpRequest, url_id: str) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in request.headers:
        key = key.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    body, encoded = None, False
    if request.body:
        if _is_text(headers.get("content-type")):
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                body, encoded = base64.b64encode(request.body).decode(), True
        else:
            body, encoded = base64.b64encode(request.body).decode(), True
    domain = headers.get("host", f"{url_id}.lambda-url.local")
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": request.raw_path,
        "rawQueryString": request.query, "headers": headers,
        "requestContext": {
            "accountId": "anonymous", "apiId": url_id, "domainName": domain,
            "domainPrefix": domain.split(":")[0].split(".")[0],
            "http": {"method": request.method.upper(), "path": request.raw_path,
                     "protocol": request.protocol, "sourceIp": request.source_ip,
                     "userAgent": headers.get("user-agent", "")},
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
            "time": request.received_at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(request.received_at.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event


def response_from_lambda(result: Any) -> HttpResponse:
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("content-type", "application/json")],
                            json.dumps(result).encode())
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or ()]
    body = result.get("body") or ""
    try:
        data = base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else \
            str(body).encode("utf-8")
    except (binascii.Error, ValueError):
        return HttpResponse(502, [("content-type", "application/json")],
                            b'{"Message":"Internal Server Error"}')
    return HttpResponse(int(result["statusCode"]), headers, data)


class FunctionUrl(Gateway):
    """One function URL: the gateway's HTTP server, its own events and answers."""

    def __init__(self, function: str, url_id: str, invoke: Callable[[str, Any], Any],
                 log: Callable[[str], None] = print) -> None:
        super().__init__([], {}, invoke, api_id=url_id, account_id="anonymous", log=log)
        self.function = function

    def handle(self, request: HttpRequest, port: int | None = None) -> HttpResponse:
        started = time.monotonic()
        try:
            response = response_from_lambda(self._invoke(self.function,
                                                         build_event(request, self.api_id)))
        except Exception:  # noqa: BLE001 - the function failed: Lambda answers 502
            self._log(f"{self.function} raised:\n{traceback.format_exc()}")
            response = HttpResponse(502, [("content-type", "application/json")],
                                    b'{"Message":"Internal Server Error"}')
        took = (time.monotonic() - started) * 1000
        self._log(f"{request.method} {request.raw_path} -> {self.function} (function URL) "
                  f"{response.status} ({took:.0f} ms)")
        return response

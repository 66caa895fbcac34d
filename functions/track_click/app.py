"""track_click: the public edge.

    GET  /l/{code}     302 to the stored destination, one click event written (or queued)
    HEAD /l/{code}     the same answer, nothing recorded
    POST /conversions  a conversion signed by the brand's server (HMAC, 5-minute window)
    GET  /c.gif        the conversion pixel: always a 1x1 GIF, recorded with trust=pixel
    {"source": "drain"}  (the schedule, or the console) moves fallback-queued clicks to Events

Requests come from the HTTP API's routes (payload 1.0) or, with `PublicEdge=function-url`, from
the function's own URL (payload 2.0, every path: chalice_routes turns it into 1.0 and finds
the route; a path no route serves gets the 404 page). The work is in korpo/ (clicks,
conversions, fallback); this file turns requests into calls and answers into HTTP. The
DynamoDB client is a bare boto3 one, made once per container.
"""
from __future__ import annotations

import base64
import json

import boto3
import chalice_routes
from aws_lambda_powertools import Logger
from botocore.config import Config
from chalice import Chalice, Response

import chalice_routes
from korpo import settings
from korpo.models import bind_tables
from korpo.months import utc_now
from korpo.secrets import SecretError
from korpo.tracking import clicks, conversions, edge_pages
from korpo.tracking.eventstore import EventStore, StoreUnavailable
from korpo.tracking.fallback import FallbackQueue
from korpo.tracking.links import LinkCache, tracked_destination

logger = Logger(service="track_click")
_settings = settings.current()
bind_tables(_settings)
# Fail fast and redirect anyway: a click DynamoDB does not take in ~2 s goes to the queue.
_dynamodb = boto3.client("dynamodb", config=Config(
    connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"}))
_store = EventStore(_dynamodb, _settings.events_table, _settings.catalog_table)
_links = LinkCache(resolver=_store.get_link)
_keys: clicks.ClickKeys | None = None
_queue = FallbackQueue(lambda: boto3.client("sqs"), _settings.click_fallback_queue_url)

app = Chalice(app_name="korpo-track-click")

MAX_HEADER_BYTES = 8192
_MAX_HEADER = {"user-agent": 1024, "referer": 2048, "cookie": 4096}
# Every answer, the GIF, the 302 and Chalice's own errors (415 for a conversion that is not
# JSON) included: nothing is sniffed, framed or cached, and nothing loads anything. The edge's
# own pages (korpo/tracking/edge_pages) set a CSP of their own that allows their style.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
chalice_routes.answer_with(app, lambda request: SECURITY_HEADERS)

_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _click_keys() -> clicks.ClickKeys:
    """Built once per container (rebuilt only if the settings changed, as in tests)."""
    global _keys
    current = settings.current()
    if _keys is None or _keys.secret != current.visitor_secret:
        _keys = clicks.ClickKeys.create(current.visitor_secret, current.zone)
    return _keys


def _page(kind: str, status: int) -> Response:
    """A page of the edge's own, in the visitor's language, with the brand's name and colour
    as the Parameters set them (no read: a malformed code costs no lookup at all)."""
    cfg = settings.current()
    page = edge_pages.page(kind, app.current_request.headers.get("accept-language"),
                           cfg.brand_name, cfg.brand_colour)
    return Response(page.body, status_code=status, headers=page.headers)


def _headers_too_large(headers) -> bool:
    total = 0
    for name, value in headers.items():
        total += len(name) + len(value or "")
        limit = _MAX_HEADER.get(name.lower())
        if limit and len(value or "") > limit:
            return True
    return total > MAX_HEADER_BYTES


def _redirect(code: str, record: bool) -> Response:
    request = app.current_request
    if _headers_too_large(request.headers):
        return _page("too_large", 431)
    link = _links.get(code)  # None for a malformed code, without a lookup; cached after
    keys = None
    if record and link is not None:
        try:
            keys = _click_keys()
        except SecretError as error:
            # The visitor hash needs the secret (a container's first click, SSM throttled or
            # the parameter missing): the visitor still goes on, the click is not counted.
            logger.error("click not recorded: no visitor-hash-secret",
                         extra={"code": code, "why": str(error)})
    if keys is None:  # HEAD: the same answer, no click (nor without a secret to count it)
        location = tracked_destination(link, None) if link else None
    else:
        source_ip = (request.context.get("identity") or {}).get("sourceIp") or ""
        visit = clicks.visit_from_headers(code, request.headers, source_ip)
        redirect = clicks.follow(visit, _links, _store, keys, _queue.send)
        location = redirect.location if redirect else None
        if redirect:  # never the IP, the user agent or the cookie
            logger.info("click", extra={"event_id": redirect.event_id, "code": code,
                                        "klass": redirect.klass, "stored": redirect.stored})
    if location is None:
        return _page("not_found", 404)
    return Response("", status_code=302,
                    headers={"Location": location, "Cache-Control": "no-store",
                             "Referrer-Policy": "no-referrer"})


@app.route("/l/{code}", methods=["GET"])
def follow(code: str) -> Response:
    return _redirect(code, record=True)


@app.route("/l/{code}", methods=["HEAD"])
def follow_head(code: str) -> Response:
    return _redirect(code, record=False)


def _json(status: int, payload: dict, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


@app.route("/conversions", methods=["POST"], content_types=["application/json"])
def report_conversion() -> Response:
    request = app.current_request
    body = request.raw_body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > conversions.MAX_BODY_BYTES:
        return _json(413, {"message": f"body larger than {conversions.MAX_BODY_BYTES} bytes"})
    now = utc_now()
    try:
        conversions.check_content_type(request.headers.get("content-type"))
        conversions.verify(settings.current().conversion_secret,
                           request.headers.get(conversions.TIMESTAMP_HEADER),
                           request.headers.get(conversions.SIGNATURE_HEADER), body, now)
        report = conversions.parse_signed_body(body)
        recorded = conversions.record(report, "signed", True, _store, now)
    except conversions.ConversionRefused as refused:
        logger.info("conversion refused", extra={"why": str(refused)})
        return _json(refused.status, {"message": str(refused)})
    except SecretError as error:  # the brand's server retries a 503
        logger.error("conversion not checked: no conversion-secret", extra={"why": str(error)})
        return _json(503, {"message": "try again later"}, {"Retry-After": "5"})
    except StoreUnavailable:
        return _json(503, {"message": "try again later"}, {"Retry-After": "5"})
    logger.info("conversion", extra={"conversion_id": recorded.conversion_id,
                                     "status": recorded.status})
    return _json(201 if recorded.status == "recorded" else 200,
                 {"status": recorded.status, "conversion_id": recorded.conversion_id})


def pixel(event: dict) -> dict:
    """GET /c.gif: always the GIF (validity never leaks); a valid report is recorded.

    Outside Chalice: Chalice answers a binary body only to requests whose Accept header
    names its type, and a pixel must answer every client."""
    params = event.get("queryStringParameters") or {}
    try:
        report = conversions.validate(params, require_external_id=False)
        recorded = conversions.record(report, "pixel", settings.current().pixel_conversions_earn,
                                      _store, utc_now())
        logger.info("pixel conversion", extra={"conversion_id": recorded.conversion_id,
                                               "status": recorded.status})
    except (conversions.ConversionRefused, StoreUnavailable) as why:
        logger.info("pixel not recorded", extra={"why": type(why).__name__})
    headers = {**SECURITY_HEADERS, "Content-Type": "image/gif",
               "Cache-Control": "no-store, max-age=0"}
    return {"statusCode": 200, "headers": headers, "isBase64Encoded": True,
            "body": base64.b64encode(_PIXEL).decode("ascii")}


def drain(event: dict, context) -> dict:
    """Move fallback-queued clicks into the Events table (schedule or console)."""
    if not _queue.url:
        return {"error": "no fallback queue configured"}
    limit = event.get("max_messages")
    report = _queue.drain(_store, context.get_remaining_time_in_millis,
                          max_messages=int(limit) if limit else None)
    logger.info("drain", extra=report.as_dict())
    return report.as_dict()


@app.route(chalice_routes.FALLBACK, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                            "OPTIONS"])
def not_found(proxy: str = "") -> Response:
    """A function URL's request for a path no route serves (an API Gateway never sends one)."""
    return _page("not_found", 404)


_router = chalice_routes.Router.of(app)


def from_function_url(event: dict, context) -> dict:
    request = chalice_routes.from_function_url(event)
    if request["path"] == "/c.gif" and request["httpMethod"] in ("GET", "HEAD"):
        return pixel(request)
    return chalice_routes.to_function_url(app(chalice_routes.resolve(_router, request), context))


def handler(event: dict, context) -> dict:
    if isinstance(event, dict) and event.get("source") == "drain":
        return drain(event, context)
    if chalice_routes.is_function_url(event):
        return from_function_url(event, context)
    if isinstance(event, dict) and event.get("resource") == "/c.gif":
        return pixel(event)
    return app(event, context)

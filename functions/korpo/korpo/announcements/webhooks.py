"""Slack and Microsoft Teams incoming webhooks: where they may point, what admin text becomes in
each medium, and posting with a bounded time and a retry or two.

Nothing here raises to the caller: a webhook that is down, slow or refused is logged (by kind
and error class only: the URL is a secret, and requests' messages quote it) and reported.
"""
from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping
from urllib.parse import urlsplit

import requests

from korpo import outbox

logger = logging.getLogger(__name__)

SLACK, TEAMS = "slack", "teams"
KINDS = (SLACK, TEAMS)
# Teams' incoming webhooks are now Workflows (Power Automate) triggers: *.logic.azure.com and,
# since the end of 2025, *.environment.api.powerplatform.com; *.webhook.office.com are the
# retired Office 365 connectors, still accepted while tenants keep them.
_TEAMS_SUFFIXES = (".logic.azure.com", ".environment.api.powerplatform.com",
                   ".webhook.office.com")
MAX_URL = 2000

# Decides whether (kind, scheme, host, port) may receive a post: production_hosts by default;
# a test passes its own to reach a server on 127.0.0.1.
HostRule = Callable[[str, str, str, "int | None"], bool]


def production_hosts(kind: str, scheme: str, host: str, port: int | None) -> bool:
    if scheme != "https" or port not in (None, 443):
        return False
    if kind == SLACK:
        return host == "hooks.slack.com"
    if kind == TEAMS:
        return host.endswith(_TEAMS_SUFFIXES)
    return False


class WebhookRefused(ValueError):
    """The URL is not one this kind of webhook may have (scheme, host, shape)."""


def check_url(kind: str, url: str, allow: HostRule = production_hosts) -> str:
    if kind not in KINDS:
        raise WebhookRefused(f"unknown webhook kind {kind!r}")
    if not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise WebhookRefused(f"{kind}: not a URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookRefused(f"{kind}: not a URL") from None
    host = (parts.hostname or "").lower()
    if parts.username or parts.password or not host:
        raise WebhookRefused(f"{kind}: not a URL")
    if not allow(kind, parts.scheme, host, port):
        raise WebhookRefused(f"{kind}: {parts.scheme}://{host} is not a {kind} webhook host")
    return url


# ------------------------------------------------------------------ the message and its media

@dataclass(frozen=True)
class Message:
    """What is announced, in plain text (admin text untouched: each medium escapes it)."""
    title: str
    lines: list[str] = field(default_factory=list)
    link_url: str | None = None
    link_label: str = "Open"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def plain(text: str, limit: int) -> str:
    """Control characters gone, at most `limit` characters (an ellipsis says so)."""
    text = _CONTROL.sub("", text or "")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def slack_text(text: str, limit: int = 2900) -> str:
    """Slack's mrkdwn and plain_text both read &, < and > as markup (`<!channel>` pings
    everyone, `<url|label>` is a link): escaped, they are only characters. A bare @channel
    gets a word joiner, so it can never become a mention either."""
    def escape(part: str) -> str:
        part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return _MENTION.sub(lambda m: "@\u2060" + m.group(1), part)

    cut = limit  # Slack's limits count the escaped text: cut the plain text until it fits
    while True:
        out = escape(plain(text, cut))
        if len(out) <= limit or cut <= 1:
            return out
        cut -= len(out) - limit


def teams_text(text: str, limit: int = 2900) -> str:
    """For a TextRun, which reads no markdown; `{{DATE(…)}}` functions are the one thing it
    would still interpret: the braces are split."""
    return plain(text, limit).replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def slack_payload(message: Message) -> dict:
    """Block Kit: the title as a header and the lines as plain_text (no formatting read), the
    link a button; `text` (the notification) with mrkdwn off."""
    body = "\n".join(message.lines)
    blocks: list[dict] = [{"type": "header", "text": {
        "type": "plain_text", "text": slack_text(message.title, 150), "emoji": False}}]
    if body:
        blocks.append({"type": "section", "text": {
            "type": "plain_text", "text": slack_text(body), "emoji": False}})
    if message.link_url:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "url": message.link_url,
            "text": {"type": "plain_text", "text": slack_text(message.link_label, 75)}}]})
    return {"text": slack_text(message.title, 300), "mrkdwn": False, "blocks": blocks,
            "unfurl_links": False, "unfurl_media": False}


def teams_payload(message: Message) -> dict:
    """An Adaptive Card for a Teams Workflows webhook ("post to a channel when a webhook
    request is received"): admin text only in RichTextBlock TextRuns, which read no
    markdown; the link an Action.OpenUrl."""
    def rich(text: str, **style: object) -> dict:
        return {"type": "RichTextBlock", "inlines": [
            {"type": "TextRun", "text": teams_text(text), **style}]}

    body = [rich(plain(message.title, 300), weight="Bolder", size="Medium")]
    body += [rich(line) for line in message.lines if line.strip()]
    card: dict = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                  "type": "AdaptiveCard", "version": "1.4", "body": body}
    if message.link_url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": teams_text(
            message.link_label, 75), "url": message.link_url}]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card}]}


PAYLOADS: dict[str, Callable[[Message], dict]] = {SLACK: slack_payload, TEAMS: teams_payload}


# ------------------------------------------------------------------ posting

@dataclass(frozen=True)
class Delivery:
    kind: str
    status: str  # posted | failed | refused
    attempts: int = 0
    error: str | None = None


def post(kind: str, url: str, payload: dict, *, deadline_s: float = 8.0, attempts: int = 3,
         connect_timeout: float = 2.0, read_timeout: float = 4.0, backoff_s: float = 0.5,
         allow: HostRule = production_hosts,
         session: requests.Session | None = None) -> Delivery:
    """POST the JSON payload: 2xx is posted; a timeout, a connection error, 429 or 5xx is
    tried again (at most `attempts` in all) while the deadline allows; anything else fails at
    once. Redirects are not followed. Never raises."""
    try:
        check_url(kind, url, allow)
    except WebhookRefused as refused:
        logger.warning("webhook refused: %s", refused)
        return Delivery(kind, "refused", 0, str(refused))
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    deadline = time.monotonic() + deadline_s
    http = session or requests.Session()
    error, tried = None, 0
    try:
        for tried in range(1, attempts + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0.1:
                tried -= 1
                break
            try:
                answer = http.post(url, data=body, allow_redirects=False, stream=True,
                                   headers={"Content-Type": "application/json; charset=utf-8"},
                                   timeout=(min(connect_timeout, remaining),
                                            min(read_timeout, remaining)))
            except requests.RequestException as exc:
                error, retry = type(exc).__name__, True  # never str(exc): it quotes the URL
            else:
                answer.close()  # the answer's body says nothing we need
                if 200 <= answer.status_code < 300:
                    return Delivery(kind, "posted", tried)
                error = f"HTTP {answer.status_code}"
                retry = answer.status_code == 429 or answer.status_code >= 500
            if not retry or tried == attempts:
                break
            pause = backoff_s * 2 ** (tried - 1)
            if time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
    finally:
        if session is None:
            http.close()
    logger.warning("webhook %s failed after %d attempt(s): %s", kind, tried, error)
    return Delivery(kind, "failed", tried, error)


def configured(slack_url: str = "", teams_url: str = "") -> dict[str, str]:
    """{kind: url} of the webhooks a deployment has (empty parameters left out)."""
    return {kind: url for kind, url in ((SLACK, slack_url), (TEAMS, teams_url)) if url}


def announce(message: Message, targets: Mapping[str, str], *, deadline_s: float = 8.0,
             allow: HostRule = production_hosts, **options: object) -> dict[str, Delivery]:
    """Post `message` to every configured webhook at once (two threads): the whole takes at
    most about `deadline_s`, whatever either service does."""
    if not targets:
        return {}
    jobs = {kind: (url, PAYLOADS[kind](message)) for kind, url in targets.items()
            if kind in PAYLOADS}
    with ThreadPoolExecutor(max_workers=len(jobs) or 1) as pool:
        futures = {kind: pool.submit(post, kind, url, payload, deadline_s=deadline_s,
                                     allow=allow, **options)
                   for kind, (url, payload) in jobs.items()}
        return {kind: future.result() for kind, future in futures.items()}


# ------------------------------------------------------------------ through the outbox

def message_payload(message: Message) -> dict:
    """A Message as the outbox keeps it (JSON)."""
    return {"title": message.title, "lines": list(message.lines),
            "link_url": message.link_url, "link_label": message.link_label}


def outbox_deliver(targets: Mapping[str, str], sender_email: str = "", *,
                   allow: HostRule = production_hosts, deadline_s: float = 8.0,
                   **options: object) -> Callable[[str, dict], None]:
    """The outbox's `deliver` for every channel: e-mail through SES (with a sender), Slack
    and Teams through their webhooks. A 429, a 5xx or a connection error is tried again
    later; any other answer, a missing or refused URL, never."""
    email = outbox.ses_deliver(sender_email) if sender_email else None

    def deliver(channel: str, payload: dict) -> None:
        if channel == "email":
            if email is None:
                raise outbox.Refused("no SenderEmail")
            return email(payload)
        url = targets.get(channel)
        if channel not in PAYLOADS or not url:
            raise outbox.Refused(f"no {channel} webhook")
        delivery = post(channel, url, PAYLOADS[channel](Message(**payload)),
                        deadline_s=deadline_s, allow=allow, attempts=1, **options)
        if delivery.status == "posted":
            return None
        if delivery.status == "refused":
            raise outbox.Refused(delivery.error or "refused")
        error = delivery.error or "failed"
        if error in ("ReadTimeout", "Timeout", "ChunkedEncodingError"):
            raise RuntimeError(error)  # it may have been posted: unknown, never twice
        status = int(error[5:]) if error.startswith("HTTP ") and error[5:].isdigit() else 0
        if status and status != 429 and status < 500:
            raise outbox.Refused(error)
        raise outbox.Retry(error)
    return deliver

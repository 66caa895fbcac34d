"""Share links: one short unguessable code per (employee, post, network[, challenge]).

The destination is copied from the post when the link is made and read back by code: a
request can never choose where the redirect goes (no open redirect).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from korpo.addresses import RefusedDestination, destination_refusal, web_destination
from korpo.ids import is_share_code, new_share_code
from korpo.models import ChallengeModel, LinkModel, LinkOwnerModel, PostModel
from korpo.models.base import transaction_connection
from korpo.months import utc_now

# Where a link is shared: the networks' own share pages, e-mail, WhatsApp, and the ways that
# name no network: a copied link, a QR code, the phone's own share sheet ("native").
NETWORKS = ("linkedin", "x", "facebook", "mastodon", "bluesky", "whatsapp", "email", "copy",
            "qr", "native", "other")
CLICK_ID_PARAM = "korpo_click"
_CODE_ATTEMPTS = 5


class PostNotFound(LookupError):
    pass


class InvalidNetwork(ValueError):
    pass


class ChallengeNotFound(LookupError):
    pass


class UnsafeDestination(ValueError):
    """A post whose URL is not a public http(s) address (javascript:, data:, a private
    network's host…) is never shared."""


def safe_destination(url: str | None) -> bool:
    """Only an absolute http(s) URL whose host is public, as browsers parse it, may be a
    share link's destination (korpo.addresses: no private, loopback, link-local or metadata
    address in any spelling, no local name). Admins' forms check it; the share and redirect
    paths do not rely on that."""
    return destination_refusal(url) is None


@dataclass(frozen=True)
class ShareLink:
    code: str
    employee_id: str
    post_id: str
    network: str
    destination: str
    challenge_id: str | None = None  # a link shared for a challenge

    @classmethod
    def from_model(cls, item: LinkModel) -> "ShareLink":
        return cls(item.code, item.employee_id, item.post_id, item.network, item.destination,
                   item.challenge_id)


def share_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/l/{code}"


def get_or_create(employee_id: str, post_id: str, network: str,
                  now: datetime | None = None, challenge_id: str | None = None) -> ShareLink:
    """The employee's link for this post and network (and challenge, when shared for one: its
    clicks and conversions then carry the challenge); the same one every time it is asked."""
    if network not in NETWORKS:
        raise InvalidNetwork(f"network must be one of {', '.join(NETWORKS)}")
    existing = _owned_code(employee_id, post_id, network, challenge_id)
    if existing:
        return existing
    if challenge_id is not None:
        try:
            challenge = ChallengeModel.get(*ChallengeModel.key(challenge_id))
        except DoesNotExist:
            raise ChallengeNotFound(challenge_id) from None
        if challenge.share_post_id not in (None, post_id):
            # A challenge with a post (or a destination) of its own pays only that one.
            raise ChallengeNotFound(f"{challenge_id} is not shared through post {post_id}")
    try:
        post = PostModel.get(*PostModel.key(post_id))
    except DoesNotExist:
        raise PostNotFound(post_id) from None
    now = now or utc_now()
    # A hidden post, or one past its expiry (korpo.content.curate), gets no new link; links already
    # made keep working (an expired post's keep earning).
    if post.hidden or (post.expires_at is not None and post.expires_at <= now):
        raise PostNotFound(post_id)
    if not safe_destination(post.url):
        raise UnsafeDestination(f"post {post_id} has no http(s) address to share")
    for _ in range(_CODE_ATTEMPTS):
        code = new_share_code()
        link = LinkModel(*LinkModel.key(code), code=code, employee_id=employee_id,
                         post_id=post_id, network=network, destination=post.url, created_at=now,
                         challenge_id=challenge_id,
                         **LinkModel.post_index(post_id, code))  # posts.hide_post finds it
        owner = LinkOwnerModel(*LinkOwnerModel.key(employee_id, post_id, network, challenge_id),
                               code=code)
        try:
            # Both items or neither: a code is never orphaned, an owner never has two codes.
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.save(link, condition=LinkModel.pk.does_not_exist())
                tx.save(owner, condition=LinkOwnerModel.pk.does_not_exist())
            return ShareLink.from_model(link)
        except TransactWriteError:
            raced = _owned_code(employee_id, post_id, network, challenge_id)
            if raced:  # a concurrent request made it first: return that one
                return raced
            # else the random code collided: draw another
    raise RuntimeError("could not allocate a unique share code")


def _owned_code(employee_id: str, post_id: str, network: str,
                challenge_id: str | None = None) -> ShareLink | None:
    try:
        owner = LinkOwnerModel.get(*LinkOwnerModel.key(employee_id, post_id, network,
                                                       challenge_id), consistent_read=True)
    except DoesNotExist:
        return None
    return resolve(owner.code)


def resolve(code: str) -> ShareLink | None:
    if not is_share_code(code):
        return None
    try:
        return ShareLink.from_model(LinkModel.get(*LinkModel.key(code)))
    except DoesNotExist:
        return None


class LinkCache:
    """Code -> link for a warm Lambda: a viral link costs one read per container, not per click.
    A link whose stored destination is not a public http(s) address (javascript:, data:…, or a
    private network's host stored before destinations were parsed as browsers parse them) is
    cached as none: it is never followed, and checked once, not per click. A followed link's
    destination is its WHATWG serialization: what was checked is what the browser reads."""

    def __init__(self, ttl_seconds: float = 300, max_entries: int = 10_000,
                 resolver: Callable[[str], ShareLink | None] | None = None) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._resolve = resolver or resolve
        self._items: dict[str, tuple[float, ShareLink | None]] = {}

    def get(self, code: str) -> ShareLink | None:
        if not is_share_code(code):
            return None  # malformed: no lookup, nothing cached
        hit = self._items.get(code)
        now = time.monotonic()
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        link = self._resolve(code)
        if link is not None:
            try:
                link = replace(link, destination=web_destination(link.destination))
            except RefusedDestination:  # the 404 page, as for a withdrawn link
                link = None
        if len(self._items) >= self._max:
            self._items.clear()  # crude but bounded; a container rarely sees 10k codes
        self._items[code] = (now, link)
        return link


def tracked_destination(link: ShareLink, click_id: str | None) -> str:
    """The destination with utm_* and the click id appended; its own query and fragment kept.
    No click id (a HEAD request records no click): utm_* only. LinkCache hands out only links
    with a public http(s) destination, serialized as browsers do (so urlsplit reads the host a
    browser reads)."""
    parts = urlsplit(link.destination)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [("utm_source", link.network), ("utm_medium", "employee_advocacy"),
              ("utm_campaign", "korpo")]
    if click_id:
        query.append((CLICK_ID_PARAM, click_id))
    return ascii_url(urlunsplit(parts._replace(query=urlencode(query))))


# A URL's delimiters and %-escapes (RFC 3986's reserved and unreserved characters) stay.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def ascii_url(url: str) -> str:
    """The address as an HTTP header (a redirect's Location) must carry it, in ASCII: a host
    with non-ASCII letters in IDNA (`xn--…`), a path, query or fragment with other characters
    percent-encoded as UTF-8, as a browser sends them; an ASCII address is returned as it
    is. Feeds link to such addresses (`https://bücher.example/café`)."""
    if all("!" <= c <= "~" for c in url):
        return url
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host, colon, port = hostport.partition(":")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:  # not a name IDNA takes: percent-encoded, as the URL standard reads
        host = quote(host, safe="")
    netloc = quote(userinfo, safe=_URL_SAFE) + at + host + colon + quote(port, safe="")
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=_URL_SAFE),
                       quote(parts.query, safe=_URL_SAFE),
                       quote(parts.fragment, safe=_URL_SAFE)))

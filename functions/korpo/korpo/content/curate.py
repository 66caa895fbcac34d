"""What admins do to posts besides hiding them (korpo.content.posts): pin one to the top of the news,
word the text the share targets suggest, let a post expire, and add a post by hand (a
LinkedIn company post, or any page without a feed).

An expired post leaves the news and gets no new share links; the links already shared keep
redirecting and earning (only hiding a post stops them: a crisis switch, not a calendar).
"""
from __future__ import annotations

import html
import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from korpo import texts
from korpo.addresses import PRIVATE, RefusedDestination, web_destination
from korpo.content.posts import MANUAL_FEED, PostNotFound, get_post
from korpo.feeds.sanitize import MAX_URL_CHARS, clean_html, safe_url
from korpo.fields import FieldError, check_all
from korpo.ids import stable_id
from korpo.models import PinModel, PostModel
from korpo.models.base import sort_time as iso
from korpo.models.base import transaction_connection
from korpo.models.catalog import POSTS_PK
from korpo.tracking.links import safe_destination
from korpo.tracking.share_targets import MAX_SUGGESTED_CHARS

MAX_PINS = 3  # the top of a phone's screen; more pins would be the news itself
MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 2000
MAX_SHARE_TEXT_CHARS = MAX_SUGGESTED_CHARS
MAX_EXPIRY_YEARS = 5


class InvalidPost(FieldError):
    """An admin's input refused; `field` names the input and `reason` is a stable code a
    page turns into a translated phrase (`errors`: every refused input of the form)."""

    def __init__(self, field: str, reason: str, message: str = "") -> None:
        super().__init__(message or f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TooManyPins(InvalidPost):
    def __init__(self) -> None:
        super().__init__("pin", "too_many", f"at most {MAX_PINS} posts can be pinned")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _text(raw: object, field: str, max_chars: int, *, required: bool = False,
          lines: bool = False) -> str | None:
    """The one rule for people's text (korpo.texts); new lines kept when `lines`."""
    try:
        return texts.clean(raw, max_chars, lines=lines, required=required)
    except texts.TextRefused as refused:
        raise InvalidPost(field, refused.reason) from None


def clean_destination(raw: object) -> str:
    """An absolute http(s) address whose host is public, as browsers read it (korpo.addresses:
    its share links send the public there), at most sanitize.MAX_URL_CHARS long. Stored as
    browsers serialize it, so what was checked is what they follow."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        raise InvalidPost("url", "required")
    if len(value) > MAX_URL_CHARS:
        raise InvalidPost("url", "too_long")
    clean = safe_url(value)
    try:
        destination = web_destination(clean)
    except RefusedDestination as refused:
        raise InvalidPost("url", "private" if refused.reason == PRIVATE else "not_web") from None
    if len(destination) > MAX_URL_CHARS:  # percent-encoding lengthens it
        raise InvalidPost("url", "too_long")
    return destination


def clean_image(raw: object) -> str | None:
    """An https image address with a public host, or None: an http image would be mixed
    content on our pages, and employees' browsers load it (a private host would be a request
    into their network)."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return None
    clean = safe_url(value)
    if clean is None or not clean.lower().startswith("https://") or not safe_destination(clean):
        raise InvalidPost("image_url", "not_https")
    return clean


def text_as_html(text: str | None) -> str | None:
    """Plain text as the news shows summaries: escaped, one paragraph per blank line."""
    if not text:
        return None
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return clean_html("".join(
        "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs))


def add_manual_post(url: object, title: object, text: object = None,
                    image_url: object = None, now: datetime | None = None,
                    request_id: str | None = None) -> PostModel:
    """A post no feed brings: in the news at once, shared like any other. With a
    `request_id` (the form's token) its id derives from it: the form sent again returns the
    post it made the first time."""
    destination, clean_title, body, image = check_all(
        lambda: clean_destination(url),
        lambda: _text(title, "title", MAX_TITLE_CHARS, required=True),
        lambda: _text(text, "text", MAX_TEXT_CHARS, lines=True),
        lambda: clean_image(image_url), error=InvalidPost)
    now = now or _now()
    # "m" + 24 hex digits: never a feed post's id (24 hex digits).
    post_id = "m" + (stable_id("post", request_id) if request_id else secrets.token_hex(12))
    post = PostModel(*PostModel.key(post_id), post_id=post_id, feed_id=MANUAL_FEED,
                     title=clean_title, summary_html=text_as_html(body), url=destination,
                     image_url=image, published_at=now, first_seen_at=now,
                     content_hash="manual", hidden=False, gsi1pk=POSTS_PK,
                     gsi1sk=f"{iso(now)}#{post_id}")
    try:
        post.save(condition=PostModel.pk.does_not_exist())
    except PutError as error:
        if request_id is None or error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return PostModel.get(*PostModel.key(post_id), consistent_read=True)
    return post


def _update(post_id: str, actions: list) -> PostModel:
    post = get_post(post_id) if isinstance(post_id, str) and len(post_id) <= 100 else None
    if post is None:
        raise PostNotFound(post_id)
    try:
        post.update(actions=actions, condition=PostModel.pk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise PostNotFound(post_id) from None
        raise
    return post


def _share_text_action(text: object) -> object:
    value = _text(text, "share_text", MAX_SHARE_TEXT_CHARS, lines=True)
    return PostModel.share_text.set(value) if value else PostModel.share_text.remove()


def set_share_text(post_id: str, text: object) -> PostModel:
    """What the share targets prefill instead of the title; empty: the title again. The
    brand's disclosure line is always added after it (share_targets.ShareText)."""
    return _update(post_id, [_share_text_action(text)])


def expiry_instant(day: date, zone: ZoneInfo) -> datetime:
    """A post that expires on `day` is shown all that day in the brand's zone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(
        timezone.utc)


def expiry_day(expires_at: datetime | None, zone: ZoneInfo) -> date | None:
    """The last day a post is in the news (brand zone): expiry_instant's inverse."""
    if expires_at is None:
        return None
    return (expires_at.astimezone(zone) - timedelta(days=1)).date()


def parse_day(raw: str) -> date | None:
    """A form's YYYY-MM-DD (what a date input sends), or None when left empty."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise InvalidPost("expires_on", "invalid")


def _expiry_action(day: date | str | None, zone: ZoneInfo, today: date | None) -> object:
    if isinstance(day, str):
        day = parse_day(day)
    if day is None:
        return PostModel.expires_at.remove()
    today = today or datetime.now(zone).date()
    if day.year < 2000 or day > today + timedelta(days=366 * MAX_EXPIRY_YEARS):
        raise InvalidPost("expires_on", "out_of_range")
    return PostModel.expires_at.set(expiry_instant(day, zone))


def set_expiry(post_id: str, day: date | None, zone: ZoneInfo,
               today: date | None = None) -> PostModel:
    """The last day the post is in the news (brand zone), or None: no end. A day already
    past takes it out of the news now; its shared links keep working."""
    return _update(post_id, [_expiry_action(day, zone, today)])


def edit_post(post_id: str, *, share_text: object, expires_on: date | str | None,
              zone: ZoneInfo, today: date | None = None) -> PostModel:
    """An admin's edit of a post's page: both checked (the day as a date, or as the form's
    YYYY-MM-DD), then one write (or none)."""
    return _update(post_id, check_all(lambda: _share_text_action(share_text),
                                      lambda: _expiry_action(expires_on, zone, today),
                                      error=InvalidPost))


def pinned_ids() -> list[str]:
    return [pin.post_id for pin in PinModel.query("PINS")]


def pin_post(post_id: str, now: datetime | None = None) -> PostModel:
    """On top of the news (at most MAX_PINS posts). Pinning again keeps the first pin."""
    post = get_post(post_id) if isinstance(post_id, str) and len(post_id) <= 100 else None
    if post is None:
        raise PostNotFound(post_id)
    pins = pinned_ids()
    if post_id in pins:
        return post
    if len(pins) >= MAX_PINS:
        raise TooManyPins()
    now = now or _now()
    try:
        # Both or neither: the news reads the pin, the admin's list reads the post.
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.update(post, actions=[PostModel.pinned_at.set(now)],
                      condition=PostModel.pk.exists())
            tx.save(PinModel(*PinModel.key(post_id), post_id=post_id, pinned_at=now))
    except TransactWriteError:
        raise PostNotFound(post_id) from None
    return get_post(post_id) or post


def unpin_post(post_id: str) -> PostModel:
    post = get_post(post_id) if isinstance(post_id, str) and len(post_id) <= 100 else None
    if post is None:
        raise PostNotFound(post_id)
    with TransactWrite(connection=transaction_connection()) as tx:
        tx.update(post, actions=[PostModel.pinned_at.remove()])
        tx.delete(PinModel(*PinModel.key(post_id)))
    return get_post(post_id) or post

"""A bot's click on a share link earns nothing.

The smoke clicks an existing link as Slack's link expander does, without following the
redirect: track_click must answer 302 to the link's post (utm_* and `korpo_click` added), record
the click in Events as `bot`, and award_points, once it has counted it (the event id in its
ledger bucket's `deferred`), must have no ledger line paying it. The click stays in the stats
as a bot click, as any link preview's does: the smoke's only write.
"""
from __future__ import annotations

import time
from typing import Any, Callable, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests

from infra.smoke.report import HTTP_TIMEOUT_S, OK, SKIPPED, Result, failed

NAME = "bot click"
BOT_USER_AGENT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
# Newest visible posts whose links are looked at: a link is found with Queries, never a Scan
# (gsi1 POSTS newest first, then gsi1 LINKS#{post} of each).
POSTS_LOOKED_AT = 20
T = TypeVar("T")


def find_share_link() -> Any:
    """A share link that redirects (korpo.tracking.links.ShareLink), or None."""
    from korpo.content.posts import list_posts
    from korpo.models import LinkModel
    from korpo.tracking.links import ShareLink, safe_destination

    for post in list_posts(limit=POSTS_LOOKED_AT):
        for link in LinkModel.gsi1.query(f"LINKS#{post.post_id}", limit=10):
            if not link.hidden and safe_destination(link.destination):
                return ShareLink.from_model(link)
    return None


def wait_for(read: Callable[[], T | None], deadline: float, every_s: float = 0.5) -> T | None:
    """read() until it gives something or the deadline (time.monotonic()) passes."""
    while True:
        found = read()
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(every_s)


def follow_as_bot(http: requests.Session, share_url: str, link: Any) -> tuple[str, str | None]:
    """Click the link as a link expander: (the click id, what is wrong with the answer)."""
    from korpo.tracking.links import CLICK_ID_PARAM, tracked_destination

    http.cookies.clear()  # a link expander sends none
    answer = http.get(share_url, headers={"User-Agent": BOT_USER_AGENT},
                      allow_redirects=False, timeout=HTTP_TIMEOUT_S)
    location = answer.headers.get("Location", "")
    click_id = (parse_qs(urlsplit(location).query).get(CLICK_ID_PARAM) or [""])[-1]
    if answer.status_code != 302 or not click_id:
        return click_id, (f"{answer.status_code} {location!r}, not a 302 to the post with "
                          f"{CLICK_ID_PARAM}")
    if location != tracked_destination(link, click_id):
        return click_id, f"redirects to {location}, not to its post {link.destination}"
    if "no-store" not in answer.headers.get("Cache-Control", ""):
        return click_id, (f"the redirect may be cached (Cache-Control "
                          f"{answer.headers.get('Cache-Control')!r}): later clicks would not "
                          "count")
    return click_id, None


def what_it_earned(click_id: str, deadline: float) -> list[str]:
    """What is wrong with the click as recorded and awarded; nothing when it is a bot's click
    award_points counted and paid nothing."""
    from pynamodb.exceptions import DoesNotExist

    from korpo.models import EventModel, LedgerModel
    from korpo.scoring.award import ledger_sk

    def event() -> Any:
        try:
            return EventModel.get(click_id, consistent_read=True)
        except DoesNotExist:
            return None

    click = wait_for(event, deadline)
    if click is None:
        return ["not in the Events table (in the click fallback queue?)"]
    problems = [] if click.klass == "bot" else [f"recorded as {click.klass}, not bot"]

    def counted() -> Any:
        try:
            bucket = LedgerModel.get(f"EMP#{click.employee_id}", ledger_sk(click.at),
                                     consistent_read=True)
        except DoesNotExist:
            return None
        return bucket if click_id in (bucket.deferred or set()) | (bucket.seen or set()) else None

    bucket = wait_for(counted, deadline)
    if bucket is None:
        problems.append("award_points has not counted it: is the Events stream delivered to "
                        "AwardPointsFunction?")
    elif click_id in (bucket.entries or {}):
        entry = bucket.entries[click_id]
        problems.append(f"a ledger line pays it {entry['points']} points ({entry['rule']})")
    return problems


def check_bot_click(http: requests.Session, url: str, wait_s: float,
                    code: str | None = None) -> Result:
    from korpo.tracking.links import resolve

    link = resolve(code) if code else find_share_link()
    if link is None:
        if code:
            return failed(NAME, f"no share link {code!r} in the Catalog")
        return Result(NAME, SKIPPED, f"no share link yet among the {POSTS_LOOKED_AT} newest "
                      "posts (share one, or pass --link CODE)")
    share_url = f"{url.rstrip('/')}/l/{link.code}"
    try:
        click_id, wrong = follow_as_bot(http, share_url, link)
    except requests.RequestException as error:
        return failed(NAME, f"{share_url}: no answer: {error}")
    if wrong:
        return failed(NAME, f"{share_url}: {wrong}")
    problems = what_it_earned(click_id, time.monotonic() + wait_s)
    if problems:
        return failed(NAME, f"{share_url} -> click {click_id} (waited up to {wait_s:.0f} s)",
                      *problems)
    return Result(NAME, OK, f"{share_url} -> 302 to its post; click {click_id} recorded as "
                  "bot, counted by award_points, paid nothing")

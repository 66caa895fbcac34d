"""The channels' health, read as the admins' pages read it (korpo.feeds: the listing, a
Query of the Catalog's gsi1 `FEEDS`, and `channels.health`).

What fails the smoke is what points at the deployment, not at a brand's site
(docs/decisions.md, "make smoke"):
- a channel overdue: due more than OVERDUE ago and not polled since. poll_feeds runs every
  15 minutes; a channel two runs late means its schedule or the function is broken;
- a channel failing that never succeeded: it was read when an admin added it (discovery
  fetches and parses it), so a poller that never could points at the deployment (its
  network, its package);
- a channel failing with Korpo's own error (`internal`): a bug, whoever the site is.
A channel failing that worked before is a warning: the site is down or changed.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from infra.smoke.report import FAILED, OK, SKIPPED, WARNING, Result

NAME = "channels"
OVERDUE = timedelta(minutes=30)


def judge(feeds: Iterable, now: datetime) -> Result:
    """`feeds`: FeedModel items. One result, with a detail line per channel that is not ok."""
    from korpo.feeds import channels

    counts = {"ok": 0, "new": 0, "paused": 0}
    failures, warnings = [], []
    for feed in feeds:
        health = channels.health(feed)
        name = f"{feed.title or feed.url} ({feed.feed_id})"
        overdue = health.next_poll_at is not None and now - health.next_poll_at > OVERDUE
        if overdue:
            failures.append(f"{name}: due since {health.next_poll_at:%Y-%m-%d %H:%M} UTC and "
                            "not polled: is poll_feeds running on its schedule?")
        elif health.state == channels.FAILING:
            line = f"{name}: {health.problem}, {health.failures} failure(s): {health.last_error}"
            if health.problem == "internal":
                failures.append(f"{line} (Korpo's own error: see PollFeedsFunction's log)")
            elif health.last_success_at is None:
                failures.append(f"{line} (never read since it was added)")
            else:
                warnings.append(f"{line} (last read {health.last_success_at:%Y-%m-%d %H:%M} "
                                "UTC: the site's side)")
        else:
            counts[health.state] += 1
    total = sum(counts.values()) + len(failures) + len(warnings)
    if not total:
        return Result(NAME, SKIPPED, "no channel yet (admins add them in /manage/channels)")
    summary = (f"{counts['ok']} ok, {counts['new']} waiting for a first poll, "
               f"{counts['paused']} paused, {len(warnings)} failing at the site's side, "
               f"{len(failures)} failing here")
    state = FAILED if failures else WARNING if warnings else OK
    return Result(NAME, state, summary, tuple(failures + warnings))


def check_channels(now: datetime | None = None) -> Result:
    from korpo.feeds import store

    return judge(store.list_feeds(), now or datetime.now(timezone.utc))

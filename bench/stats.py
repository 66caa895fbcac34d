"""stats figures: the read units of the whole stats dashboard over 12 months, at 100 and at
10,000 employees, and their ratio (goal: it does not grow with employees).

Seeded honestly through the real award path (korpo.scoring.award.process, stream-sized
batches in time order): every employee signs up during the year (an `employee_signup`
event each), and the same year of activity (SLOTS shares, each with a human click, and a
conversion every tenth) is shared among them. So only the number of people changes, not
what they did: 20 posts of 3 channels, 5 networks, 8 teams. (moto's rollback copies are
skipped while seeding, bench/moto_speed.py; every transaction must succeed.)
The measured block makes the reads the /manage/stats page makes: the year's days of the
"all" item (breakdowns included), the shop's days, the adoption months, the last month's
top 10 and their names, and the filter's lists (challenges, teams, channels, posts).
Units are computed from item sizes as DynamoDB bills them (bench/capacity.py).
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bench.capacity import metered
from bench.harness import Figure, moto_account
from bench.moto_speed import no_rollback_backups

SIZES = (100, 10_000)
SLOTS = 500  # each: a share intent and a human click (a conversion every tenth)
BATCH = 100  # the stream mapping's batch size
FIRST, LAST = date(2025, 12, 1), date(2026, 11, 30)
NETWORKS = ("linkedin", "x", "facebook", "bluesky", "email")
START = datetime(2025, 12, 1, 8, tzinfo=timezone.utc)
YEAR_MINUTES = 365 * 24 * 60


def _events(employees: int) -> list:
    """Every employee signs up during the year; the same SLOTS of activity are shared among
    them (at 10,000 employees, one in ten is active: many sign up, fewer share)."""
    from korpo.scoring.rules import ScoredEvent

    out = [ScoredEvent(f"signup-{e:05d}", "employee_signup", "human", f"emp-{e:05d}",
                       START + timedelta(minutes=e * YEAR_MINUTES // employees))
           for e in range(employees)]
    spread = max(1, employees // SLOTS)
    for slot in range(SLOTS):
        employee = f"emp-{slot * spread % employees:05d}"
        at = START + timedelta(minutes=slot * YEAR_MINUTES // SLOTS, seconds=1)
        post, network = f"post-{slot % 20:02d}", NETWORKS[slot % len(NETWORKS)]
        out += [ScoredEvent(f"{slot:06d}-share", "share_intent", "human", employee, at,
                            post_id=post, network=network),
                ScoredEvent(f"{slot:06d}-click", "click", "human", employee,
                            at + timedelta(seconds=2), post_id=post, network=network,
                            referrer=network, visitor_key=f"visitor-{slot}")]
        if slot % 10 == 0:
            out.append(ScoredEvent(f"{slot:06d}-conv", "conversion", "human", employee,
                                   at + timedelta(seconds=4), post_id=post, network=network,
                                   conversion_type=("signup", "lead")[slot % 20 == 0]))
    return sorted(out, key=lambda e: (e.at, e.event_id))  # the stream's order


def _seed(employees: int) -> None:
    from korpo import settings
    from korpo.people.teams import create_team
    from korpo.scoring import award
    from korpo.scoring.rules import Rules

    for team in range(8):
        create_team(f"Team {team}", team_id=f"team-{team}")
    ctx = award.Context(
        rules=Rules(points_per_click=10, points_per_share_intent=1,
                    points_per_conversion={"*": 20}),
        zone=ZoneInfo("Europe/Paris"), scores_table=settings.current().scores_table,
        team_of=lambda e: f"team-{int(e[-5:]) % 8}",
        channel_of={f"post-{p:02d}": f"feed-{p % 3}" for p in range(20)})
    events = _events(employees)
    with no_rollback_backups():
        for start in range(0, len(events), BATCH):
            outcome = award.process(events[start:start + BATCH], ctx)
            assert not outcome.failed, outcome.failed


def _read_dashboard() -> None:
    """The reads of /manage/stats over the 12 months (webapp/routes/admin/stats.py)."""
    from korpo import settings
    from korpo.board import dashboard
    from korpo.content import posts
    from korpo.feeds import store as feed_store
    from korpo.models import ChallengeModel
    from korpo.people import teams
    from korpo.people.employees import display_names

    list(ChallengeModel.gsi1.query("CHALLENGES"))
    teams.list_teams()
    feed_store.list_feeds()
    posts.list_posts(limit=100, include_hidden=True)
    board = dashboard.dashboard(settings.current().scores_table, FIRST, LAST)
    top = dashboard.top_employees(LAST.strftime("%Y-%m"), 10)
    display_names([s.employee_id for s in top])
    assert board.reach == SLOTS and board.totals["share_intents"] == SLOTS
    assert len(board.breakdowns["post"]) == 20 and len(top) == 10, (board.breakdowns, top)


def run() -> list[Figure]:
    units = {}
    for employees in SIZES:
        with moto_account():
            started = time.perf_counter()
            _seed(employees)
            seeded = time.perf_counter() - started
            with metered() as read:
                _read_dashboard()
        units[employees] = read.read
        print(f"  stats: {employees} employees seeded in {seeded:.0f} s", flush=True)
    small, large = SIZES
    return [Figure(f"stats.dashboard_read_units_12_months_{n}", units[n], "RCU",
                   "-" if n == small else f"<= 1.05x the {small} figure") for n in SIZES] + [
        Figure("stats.dashboard_read_units_12_months", units[large] / units[small], "ratio",
               f"<= 1.05 ({large} employees / {small}: does not grow)")]

"""cost.usd_per_million_clicks: a million human clicks, each awarded, priced from what the
bench counted (bench.prices holds the prices).

Per click: one HTTP API request; one track_click invocation (1024 MB, the warm duration
measured here in-process against moto: an upper bound, moto's own work is in it) and its write
units; award_points: 1/100 of an invocation (batches of 100, 512 MB, the duration per batch
measured by bench.award_points) and the write and read units per event of the e10 figure.
Stream reads by Lambda are free.
"""
from __future__ import annotations

import statistics
import time

from bench import award_points, prices
from bench.capacity import metered
from bench.harness import Figure, moto_account

CLICKS = 100
TRACK_CLICK_GB = 1.0  # template: MemorySize 1024
AWARD_POINTS_GB = 0.5  # template: Globals MemorySize 512


def _track_click() -> tuple[float, float]:
    """(seconds per warm click, write units per click)."""
    from bench import track_click

    with moto_account():
        from helpers import http_event, make_post

        from infra.functions import LambdaContext, load_handler
        from korpo.tracking import links

        track_click.put_secrets()
        make_post("cost-post")
        link = links.get_or_create("cost-employee", "cost-post", "linkedin")
        handler = load_handler("TrackClickFunction")
        context = LambdaContext("track_click")
        make_events = getattr(track_click, "_events", None)
        events = (make_events(link.code, CLICKS + 1) if make_events else
                  [http_event("track_click/follow_link", path_params={"code": link.code})
                   for _ in range(CLICKS + 1)])
        handler(events[0], context)  # cold
        durations = []
        with metered() as units:
            for event in events[1:]:
                started = time.perf_counter()
                handler(event, context)
                durations.append(time.perf_counter() - started)
    return statistics.median(durations), units.write / CLICKS


def run() -> list[Figure]:
    if "seconds_per_batch" not in award_points.measured:
        award_points.run()
    m = award_points.measured
    click_seconds, click_wcu = _track_click()
    per_click = (
        prices.HTTP_API_PER_MILLION_REQUESTS / 1e6
        + prices.LAMBDA_PER_MILLION_REQUESTS / 1e6
        + click_seconds * TRACK_CLICK_GB * prices.LAMBDA_PER_GB_SECOND
        + click_wcu * prices.DYNAMODB_PER_MILLION_WRU / 1e6
        + prices.LAMBDA_PER_MILLION_REQUESTS / 1e6 / award_points.BATCH
        + m["seconds_per_batch"] / award_points.BATCH * AWARD_POINTS_GB
        * prices.LAMBDA_PER_GB_SECOND
        + m["wcu_e10"] * prices.DYNAMODB_PER_MILLION_WRU / 1e6
        + m["rcu_e10"] * prices.DYNAMODB_PER_MILLION_RRU / 1e6
    )
    return [Figure("cost.usd_per_million_clicks", per_click * 1e6, "USD", "<= 5")]

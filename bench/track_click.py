"""track_click figures: DynamoDB requests per click, in-process against moto."""
from __future__ import annotations

from bench.counting import count_calls, reads, writes
from bench.harness import Figure, moto_account

CLICKS = 200


def run() -> list[Figure]:
    with moto_account():
        from helpers import http_event, make_post
        from infra.functions import LambdaContext, load_handler
        from korpo import links

        make_post("bench-post")
        link = links.get_or_create("bench-employee", "bench-post", "linkedin")
        handler = load_handler("TrackClickFunction")
        event = http_event("track_click/follow_link", path_params={"code": link.code})
        context = LambdaContext("track_click")
        with count_calls() as cold:
            assert handler(event, context)["statusCode"] == 302
        with count_calls() as warm:
            for _ in range(CLICKS):
                assert handler(event, context)["statusCode"] == 302
    total = sum(cold.values()) + sum(warm.values())
    return [
        Figure("track_click.dynamodb_requests_per_click", total / (CLICKS + 1), "requests",
               "<= 1.01"),
        Figure("track_click.dynamodb_writes_per_click", writes(warm) / CLICKS, "requests", "1"),
        Figure("track_click.dynamodb_reads_per_click_warm", reads(warm) / CLICKS, "requests",
               "0"),
    ]

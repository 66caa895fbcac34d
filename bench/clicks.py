"""clicks figures: how honest the click classifier is, through the function the click path
calls (korpo.tracking.agents.verdict on korpo.tracking.agents.request_evidence, as korpo.tracking.clicks.classify does),
and what it costs per user agent not seen before."""
from __future__ import annotations

import statistics
import time

from bench.harness import ROOT, Figure

CORPUS = ROOT / "tests" / "fixtures" / "user_agents" / "humans.txt"
# Chromium 156's top-level navigation headers (tests/unit/test_agents_evidence.py): every
# user agent is judged as if it came with a real browser's headers, so only the user agent
# can refuse a bot and the figure is the worst case.
NAVIGATION = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
              "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "accept-language": "en-US,en;q=0.9", "sec-fetch-mode": "navigate",
    "sec-fetch-dest": "document", "sec-fetch-site": "none", "upgrade-insecure-requests": "1"}


def _humans() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def _crawlers(humans: list[str]) -> list[str]:
    """The list's instances, less the few real browsers it holds: those are in the human
    corpus (named, with why, in tests/unit/test_agents_evidence.py)."""
    import crawleruseragents

    return sorted({ua for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA
                   for ua in entry.get("instances", [])} - set(humans))


def run() -> list[Figure]:
    from korpo.tracking import agents

    def klass(ua: str) -> str:
        return agents.verdict(ua, agents.request_evidence(NAVIGATION)).klass

    klass("Mozilla/5.0 (X11; Linux x86_64) warm-up")  # loads the libraries (first use)
    humans = _humans()
    crawlers = _crawlers(humans)
    # ua-parser compiles each rule the first time it is tried (once per container): half the
    # user agents warm those up untimed; the other half, each unseen, is timed.
    everyone = humans + crawlers
    for ua in everyone[::2]:
        klass(ua)
    timings = []
    for ua in everyone[1::2]:  # not seen before: every cache misses
        started = time.perf_counter()
        klass(ua)
        timings.append((time.perf_counter() - started) * 1e6)
    refused = sum(klass(ua) != agents.HUMAN for ua in crawlers)
    passed = sum(klass(ua) == agents.HUMAN for ua in humans)
    timings.sort()
    return [
        # The counts too: three decimals round one miss in two thousand to 1.000.
        Figure("clicks.bot_recall_crawler_user_agents", refused / len(crawlers), "ratio",
               f"1.0 ({refused} of {len(crawlers)} refused)"),
        Figure("clicks.human_pass_rate", passed / len(humans), "ratio",
               f"1.0 ({passed} of {len(humans)} human)"),
        Figure("clicks.classify_us_p50", statistics.median(timings), "us", "info"),
        Figure("clicks.classify_us_p99", timings[int(len(timings) * 0.99)], "us", "info"),
    ]

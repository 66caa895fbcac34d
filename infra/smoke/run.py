"""python -m infra.smoke --url URL [--stack NAME] [--region R] [--link CODE] [--wait S]

Checks a running stack: the home page in English and French with its security headers, a
static asset, the channels' health, a bot's click on a share link (redirected, paid nothing)
and the dead-letter queues. Prints one line per check; exits 1 when any failed.
URL is the web app's address (the stack's WebAppUrl output; `make run`'s
http://127.0.0.1:3000). Without --url: the stack's WebAppUrl.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable

import requests

from infra.smoke.report import FAILED, Result, failed
from infra.smoke.target import DEFAULT_STACK, Target, is_loopback, locate

KORPO_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "functions", "korpo")


def http_session(url: str) -> requests.Session:
    session = requests.Session()
    # 127.0.0.1 is never reached through a proxy the environment names for the internet.
    session.trust_env = not is_loopback(url)
    return session


def use(target: Target) -> None:
    """Point this process's AWS clients and the domain's models at the target's tables.
    Before korpo is imported: its models read the region once, at import."""
    os.environ.update(target.environment())
    korpo = os.path.abspath(KORPO_PATH)
    if korpo not in sys.path:
        sys.path.insert(0, korpo)
    from korpo.models import bind_tables
    from korpo.settings import Settings

    bind_tables(Settings(catalog_table=target.tables["CatalogTable"],
                         events_table=target.tables["EventsTable"],
                         scores_table=target.tables["ScoresTable"]))


def guarded(name: str, check: Callable[[], Result | list[Result]]) -> list[Result]:
    """A check that raised is a failed check; the others still run."""
    try:
        found = check()
    except Exception as error:  # noqa: BLE001 - reported, never a traceback
        return [failed(name, f"{type(error).__name__}: {error}")]
    return found if isinstance(found, list) else [found]


def run(url: str | None, target: Target | None, unreachable: str | None, link: str | None,
        wait_s: float, emit: Callable[[Result], None]) -> list[Result]:
    """Every check, in order; each result emitted as soon as it is known."""
    from infra.smoke import channels, clicks, pages, queues

    results: list[Result] = []

    def report(name: str, check: Callable[[], Result | list[Result]] | str) -> None:
        """Run `check`, or fail it with the reason it cannot run."""
        for result in [failed(name, check)] if isinstance(check, str) else guarded(name, check):
            results.append(result)
            emit(result)

    url = url or (target.web_url if target else None)
    http = http_session(url or "")
    no_url = "no URL: pass --url (the stack's WebAppUrl output)"
    report("home page", (lambda: pages.check_home(http, url)) if url else no_url)
    if target is None:
        for name in (channels.NAME, clicks.NAME, queues.NAME):
            report(name, f"cannot read the stack: {unreachable}")
        return results
    use(target)
    report(channels.NAME, channels.check_channels)
    code = link.rstrip("/").rsplit("/", 1)[-1] if link else None
    report(clicks.NAME, (lambda: clicks.check_bot_click(http, url, wait_s, code)) if url
           else no_url)
    report(queues.NAME, lambda: queues.check_queues(target.client("sqs"), target.queues))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.smoke",
                                     description=__doc__.split("\n\n")[1])
    parser.add_argument("--url", help="the web app's URL (default: the stack's WebAppUrl)")
    parser.add_argument("--stack", help=f"the CloudFormation stack (default: samconfig.toml's, "
                        f"else {DEFAULT_STACK}); not needed for the local stack")
    parser.add_argument("--region", help="its region (default: samconfig.toml's, else the "
                        "AWS configuration's)")
    parser.add_argument("--link", help="the share link (or its code) the bot clicks "
                        "(default: one of the newest posts')")
    parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                        help="how long to wait for the click to be recorded and counted "
                        "(default 60)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    target, unreachable = locate(http_session(args.url or ""), args.url or None,
                                 args.stack or None, args.region or None)
    print(f"checking {args.url or 'the stack'}, "
          f"{target.describe() if target else 'its resources not found'}", flush=True)
    results = run(args.url or None, target, unreachable, args.link or None, args.wait,
                  lambda result: print("\n".join(result.lines()), flush=True))
    failures = sum(r.state == FAILED for r in results)
    print(f"smoke: {len(results)} checks, {failures} failed "
          f"({time.monotonic() - started:.1f} s)", flush=True)
    return 1 if failures else 0

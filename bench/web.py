"""The web app and the API as a person meets them: the first page's weight (Chromium, cold
cache), the functions' cold init against a bare boto3 client, and a page's API calls on the
local stack, first and warm."""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

from bench.harness import COLD_BASELINE, ROOT, Figure, cold_env

COLD_RUNS = 5
_COLD_HANDLER = """
import sys, time
t = time.perf_counter()
import importlib.util
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - t, 0)
"""
API_ROUTES = ("/me", "/posts", "/board", "/rewards", "/challenges")


def _cold_once(code: str, function: str) -> float:
    env = cold_env([ROOT / "functions" / "korpo", ROOT / "functions" / function])
    out = subprocess.run([sys.executable, "-c", code,
                          str(ROOT / "functions" / function / "app.py")],
                         env=env, capture_output=True, text=True, timeout=120, check=True,
                         cwd=tempfile.gettempdir())
    return float(out.stdout.split()[-2])  # "<init seconds> <first use seconds>"


def _cold(function: str, goal: str) -> list[Figure]:
    _cold_once(_COLD_HANDLER, function)  # compiled .pyc on both sides, as in Lambda
    _cold_once(COLD_BASELINE, function)
    ours, base = [], []
    for _ in range(COLD_RUNS):
        ours.append(_cold_once(_COLD_HANDLER, function))
        base.append(_cold_once(COLD_BASELINE, function))
    return [Figure(f"{function}.cold_init_ratio", statistics.median(ours) / statistics.median(base),
                   "ratio", goal),
            Figure(f"{function}.cold_init_ms", statistics.median(ours) * 1000, "ms", "info")]


def _first_page(gateway: str) -> list[Figure]:
    """What a new visitor's browser transfers for the first page (cold cache): every response,
    headers and body, as Chromium counts them."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browsers import browser_or_skip, phone_context

    with browser_or_skip() as browser:
        context = phone_context(browser, "en")
        page = context.new_page()
        responses = []
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(f"{gateway}/", wait_until="load")
        page.wait_for_load_state("networkidle")
        total = 0
        for request in responses:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        foreign = [r.url for r in responses if not r.url.startswith(gateway)]
        context.close()
    return [Figure("web.first_page_kb", total / 1024, "KB", "<= 100"),
            Figure("web.first_page_requests", len(responses), "requests", "info"),
            Figure("web.first_page_third_party_requests", len(foreign), "requests", "0")]


def _local_calls() -> list[Figure]:
    """A fresh local stack: each employee route's first call (the container's first use of
    what it reads), then warm calls; and the news page, first and warm."""
    import requests

    from infra.local_stack import start

    stack = start(port=0, moto_port=0, seed=True, background=True, quiet=True)
    try:
        figures = _first_page(stack.gateway_url)
        email, password, _admin = stack.demo.logins[1]
        token = stack.sign_in(email, password)["IdToken"]
        auth = {"Authorization": f"Bearer {token}"}
        first, warm = [], []
        for route in API_ROUTES:
            started = time.perf_counter()
            requests.get(stack.gateway_url + route, headers=auth, timeout=30).raise_for_status()
            first.append((time.perf_counter() - started) * 1000)
            for _ in range(5):
                started = time.perf_counter()
                requests.get(stack.gateway_url + route, headers=auth, timeout=30)
                warm.append((time.perf_counter() - started) * 1000)
        pages = requests.Session()
        pages.post(f"{stack.gateway_url}/signin", data={"email": email, "password": password},
                   headers={"Origin": stack.gateway_url}, timeout=30).raise_for_status()
        news = []
        for _ in range(6):
            started = time.perf_counter()
            pages.get(f"{stack.gateway_url}/news", timeout=30).raise_for_status()
            news.append((time.perf_counter() - started) * 1000)
    finally:
        stack.stop()
    return figures + [
        Figure("api.local_first_call_ms", statistics.median(first), "ms",
               "info (median of each employee route's first call)"),
        Figure("api.local_warm_ms", statistics.median(warm), "ms", "info"),
        Figure("web.local_news_first_ms", news[0], "ms", "info"),
        Figure("web.local_news_warm_ms", statistics.median(news[1:]), "ms", "info"),
    ]


def run() -> list[Figure]:
    return _cold("api", "<= 2") + _cold("web", "<= 2") + _local_calls()


if __name__ == "__main__":
    for figure in run():
        print(f"{figure.name:40s} {figure.value:10.2f} {figure.unit:8s} {figure.goal}")

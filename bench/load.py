"""`make load`: a viral spike on one share link against the local stack, then a full count.

    python -m bench.load [--seconds 60] [--concurrency 8] [--no-write]

1. Starts the local stack (`make run`'s, seeded) in a child process on 127.0.0.1, so the
   stack's one interpreter and this client each get a core of their own. Its caps are off
   (DailyCapPerEmployee=0, DailyCapsPerType empty): a cap would pay a doubled award 0 points
   and hide it. A share intent pays (PointsPerShareIntent=5), so intents are checked too.
2. For `--seconds`, `--concurrency` client threads send as fast as the stack answers (a
   closed loop: the rate it sustains) a mix on one employee's link: human first clicks,
   repeats, bots, the sharer's own (self) clicks, unverified clicks, unknown codes, signed
   conversions (some resent, some of bots' clicks), and, beside them, share intents of three
   employees and signed-in page loads of the web app.
3. Drains what the stack does later (the click fallback queue, the Events stream into
   award_points), then checks and prints a table: every request answered as due; the Events
   table, the ledger, the board, the stats and the balances against what was sent
   (`expected_points` and `Sent.expected_*` are the rules, in one place).
4. Writes `load.*` into bench-results.json (merged with the figures already there) unless
   --no-write. Exit status 1 when a check failed.

A benchmark, not part of .ci/run; tests/infra/test_load.py runs a 10-second one as a test
of this script.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from bench.harness import ROOT, Figure

# The stack's parameters for the spike (template.yaml Parameters).
STACK_PARAMETERS = {"DailyCapPerEmployee": "0", "DailyCapsPerType": "",
                    "PointsPerShareIntent": "5"}
TIMEOUT_S = 30  # per request: a request not answered by then is counted unanswered
DRAIN_DEADLINE_S = 600

# What a person's browser sends on a top-level navigation (korpo/tracking/agents.py wants
# a known browser's user agent and these headers before it calls a click human).
NAVIGATION = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
              "Accept-Language": "en-GB,en;q=0.9", "Sec-Fetch-Mode": "navigate",
              "Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "cross-site",
              "Upgrade-Insecure-Requests": "1", "Referer": "https://www.linkedin.com/"}
BOTS = ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "WhatsApp/2.23.20.0", "python-requests/2.32.3", "curl/8.5.0")
NETWORKS = ("linkedin", "x", "facebook", "mastodon", "bluesky", "whatsapp", "email", "copy",
            "qr", "native", "other")
PAGES = ("/news", "/leaderboard", "/points")

# The spike's mix: weights of what each client thread sends next.
MIX = {"human": 40, "repeat": 14, "bot": 14, "self": 5, "unverified": 4, "unknown_code": 2,
       "conversion": 8, "conversion_resent": 2, "bot_conversion": 1, "share_intent": 3,
       "page": 1}
# What answers each kind is due: (statuses, must the body be an HTML page).
DUE = {"human": ({302}, False), "repeat": ({302}, False), "bot": ({302}, False),
       "self": ({302}, False), "unverified": ({302}, False), "unknown_code": ({404}, False),
       "conversion": ({201}, False), "conversion_resent": ({200}, False),
       "bot_conversion": ({201}, False), "share_intent": ({201}, False),
       "page": ({200}, True)}


# ------------------------------------------------------------------ the rules, in one place

def conversion_earns(click_class: str) -> bool:
    """Does a signed conversion of a click of this class pay? Not through a click that was not
    a person's (a bot's, an unverified one): it is counted apart, as unpaid (issue 20)."""
    return click_class not in ("bot", "unverified")


def expected_points(kind: str, rules: dict[str, Any], challenge: tuple[float, int],
                    click_class: str = "human", conversion_type: str = "signup") -> int:
    """What award_points pays one event (korpo/scoring/rules.py, caps off): only a human first
    click earns among clicks; a share intent its points; a conversion its type's points; then
    the running programme-wide challenge's multiplier and bonus."""
    if kind == "click":
        base = rules["points_per_click"] if click_class == "human" else 0
    elif kind == "share_intent":
        base = rules["points_per_share_intent"]
    elif kind == "conversion":
        table = rules["points_per_conversion"]
        base = table.get(conversion_type, table.get("*", 0)) if conversion_earns(
            click_class) else 0
    else:
        raise ValueError(kind)
    if base <= 0:
        return 0
    multiplier, bonus = challenge
    return int(round(base * multiplier)) + int(bonus) if (multiplier, bonus) != (1, 0) else base


# ------------------------------------------------------------------ the stack, in a child

def serve_stack(info_path: str) -> None:
    """The child: start the stack, write what the load needs to `info_path` (its stdout is
    the functions' logs), serve until stdin closes."""
    from infra.local_stack import start

    stack = start(port=0, moto_port=0, seed=True, background=True, quiet=True,
                  parameters=dict(STACK_PARAMETERS))
    try:
        Path(info_path).write_text(json.dumps({
            "gateway_url": stack.gateway_url, "moto_url": stack.moto_url,
            "region": stack.resources.region, "tables": stack.resources.tables,
            "queues": stack.resources.queues, "zone": stack.environment["KORPO_TIME_ZONE"],
            "logins": stack.demo.logins, "conversion_secret": stack.secret("conversion-secret"),
        }))
        sys.stdin.read()
    finally:
        stack.stop()


LOG = ROOT / ".local" / "load-stack.log"  # the stack's output (the functions' logs)


class StackProcess:
    """The local stack in a child process; stop() closes its stdin, which stops it."""

    def __init__(self, start_timeout_s: float = 180) -> None:
        LOG.parent.mkdir(exist_ok=True)
        self._dir = tempfile.TemporaryDirectory()
        info = Path(self._dir.name) / "stack.json"
        with LOG.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.load", "--serve-stack", str(info)], cwd=ROOT,
                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + start_timeout_s
        while not info.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the local stack did not start: see {LOG}")
            time.sleep(0.2)
        time.sleep(0.1)  # written in one call; let it land whole
        self.info = json.loads(info.read_text())

    def stop(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._dir.cleanup()


# ------------------------------------------------------------------ what was sent

@dataclass
class Answer:
    kind: str
    status: int  # 0: no answer (connection error, timeout)
    ms: float
    due: bool


@dataclass
class Sent:
    """What the client threads sent and what came back, merged after the spike."""
    answers: list[Answer] = field(default_factory=list)
    click_ids: dict[str, str] = field(default_factory=dict)  # event id (Location) -> class
    repeats: int = 0
    conversions: dict[str, str] = field(default_factory=dict)  # external id -> click class
    intents: set[tuple[str, str]] = field(default_factory=set)  # (employee id, network)

    def merge(self, other: Sent) -> None:
        self.answers += other.answers
        self.click_ids.update(other.click_ids)
        self.repeats += other.repeats
        self.conversions.update(other.conversions)
        self.intents |= other.intents

    def clicks_by_class(self) -> Counter:
        counts = Counter(self.click_ids.values())
        counts["repeat"] += self.repeats
        return counts

    def expected_points_by_employee(self, rules: dict[str, Any], challenge: tuple[float, int],
                                    sharer_id: str) -> Counter:
        """Points each employee should hold: the sharer's link's clicks and conversions, and
        everyone's share intents (one event per employee, post, network and brand day)."""
        points: Counter = Counter()
        for klass in self.click_ids.values():
            points[sharer_id] += expected_points("click", rules, challenge, klass)
        for klass in self.conversions.values():
            points[sharer_id] += expected_points("conversion", rules, challenge, klass)
        for employee_id, _network in self.intents:
            points[employee_id] += expected_points("share_intent", rules, challenge)
        return points


@dataclass
class Scene:
    """The link, the people and the secrets the client threads use."""
    gateway: str
    code: str
    post_id: str
    sharer_id: str
    self_cookie: str
    secret: str
    employees: list[tuple[str, dict[str, str]]]  # (employee id, API auth header)
    page_cookies: list[dict[str, str]]  # web app session cookies, one per employee


def _signed_conversion(secret: str, click_id: str, external_id: str) -> tuple[bytes, dict]:
    body = json.dumps({"click_id": click_id, "type": "signup", "external_id": external_id},
                      separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return body, {"Content-Type": "application/json", "X-Korpo-Timestamp": stamp,
                  "X-Korpo-Signature": "sha256=" + signature.hexdigest()}


def _click_id(location: str | None) -> str | None:
    values = parse_qs(urlsplit(location or "").query).get("korpo_click")
    return values[0] if values else None


class Client(threading.Thread):
    """One closed-loop client: sends the mix until the deadline, records every answer."""

    def __init__(self, number: int, scene: Scene, deadline: float) -> None:
        super().__init__(daemon=True)
        import requests

        self.number, self.scene, self.deadline = number, scene, deadline
        self.http = requests.Session()  # the public edge and the API: no cookie kept
        self.pages = requests.Session()  # the web app: its session cookies stay here
        self.random = random.Random(number)
        self.sent = Sent()
        self.visitors: list[str] = []  # user agents of this thread's human visitors
        self.human_ids: list[str] = []
        self.bot_ids: list[str] = []
        self.resendable: list[tuple[str, str]] = []  # (click id, external id) sent once
        kinds, weights = zip(*MIX.items())
        self.kinds, self.weights = list(kinds), list(weights)

    def browser(self, n: int) -> str:
        return ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/125.{self.number}.{n}.0 Safari/537.36")

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            kind = self.random.choices(self.kinds, self.weights)[0]
            self.send(self.fallback(kind))

    def fallback(self, kind: str) -> str:
        """A kind that needs an earlier answer (a repeat, a conversion) falls back to a
        human click until there is one."""
        if kind == "repeat" and not self.visitors:
            return "human"
        if kind in ("conversion",) and not self.human_ids:
            return "human"
        if kind == "conversion_resent" and not self.resendable:
            return "conversion" if self.human_ids else "human"
        if kind == "bot_conversion" and not self.bot_ids:
            return "bot"
        return kind

    def send(self, kind: str) -> None:
        scene, link = self.scene, f"{self.scene.gateway}/l/{self.scene.code}"
        method, url, headers, body, after = "GET", link, {}, None, None
        if kind == "human":
            agent = self.browser(len(self.visitors))
            headers = {**NAVIGATION, "User-Agent": agent}

            def after(response):
                self.visitors.append(agent)
                self.human_ids.append(_click_id(response.headers.get("location")))
                self.sent.click_ids[self.human_ids[-1]] = "human"
        elif kind == "repeat":
            headers = {**NAVIGATION, "User-Agent": self.random.choice(self.visitors)}

            def after(_response):
                self.sent.repeats += 1
        elif kind in ("bot", "self", "unverified"):
            if kind == "bot":
                headers = {"User-Agent": self.random.choice(BOTS), "Accept": "*/*"}
            elif kind == "self":
                headers = {**NAVIGATION, "User-Agent": self.browser(10**6),
                           "Cookie": scene.self_cookie}
            else:  # a browser's user agent with a script's headers: neither proven nor denied
                headers = {"User-Agent": self.browser(2 * 10**6), "Accept": "*/*"}

            def after(response, klass=kind):
                click_id = _click_id(response.headers.get("location"))
                self.sent.click_ids[click_id] = klass
                if klass == "bot":
                    self.bot_ids.append(click_id)
        elif kind == "unknown_code":
            url = f"{scene.gateway}/l/zz{self.random.randrange(10**8):08d}"
            headers = {**NAVIGATION, "User-Agent": self.browser(0)}
        elif kind in ("conversion", "bot_conversion", "conversion_resent"):
            if kind == "conversion_resent":
                click_id, external_id = self.resendable.pop()
                klass = None
            else:
                ids = self.human_ids if kind == "conversion" else self.bot_ids
                click_id = ids.pop(self.random.randrange(len(ids)))
                external_id = f"load-{self.number}-{len(self.sent.answers)}"
                klass = "human" if kind == "conversion" else "bot"
            method, url = "POST", f"{scene.gateway}/conversions"
            body, headers = _signed_conversion(scene.secret, click_id, external_id)

            def after(_response):
                if klass is not None:
                    self.sent.conversions[external_id] = klass
                    self.resendable.append((click_id, external_id))
        elif kind == "share_intent":
            employee_id, auth = self.random.choice(scene.employees)
            network = self.random.choice(NETWORKS)
            method, url = "POST", f"{scene.gateway}/posts/{scene.post_id}/share-intents"
            body, headers = json.dumps({"network": network}).encode(), {
                **auth, "Content-Type": "application/json"}

            def after(_response):
                self.sent.intents.add((employee_id, network))
        elif kind == "page":
            url = scene.gateway + self.random.choice(PAGES)
            cookies = self.random.choice(scene.page_cookies)
            self.timed(kind, lambda: self.pages.get(url, cookies=cookies, allow_redirects=False,
                                                    timeout=TIMEOUT_S), None)
            return
        self.timed(kind, lambda: self.http.request(method, url, headers=headers, data=body,
                                                   allow_redirects=False, timeout=TIMEOUT_S),
                   after)

    def timed(self, kind: str, call: Callable[[], Any], after: Callable | None) -> None:
        import requests

        started = time.perf_counter()
        try:
            response = call()
        except requests.RequestException:
            status, due, response = 0, False, None
        else:
            statuses, page = DUE[kind]
            status = response.status_code
            due = status in statuses and (not page or response.headers.get(
                "content-type", "").startswith("text/html"))
        self.sent.answers.append(Answer(kind, status, (time.perf_counter() - started) * 1000,
                                        due))
        if due and after is not None:
            after(response)


# ------------------------------------------------------------------ setting the scene

def set_scene(info: dict[str, Any]) -> tuple[Scene, Any]:
    """Sign in the demo employees (API tokens, web sessions), share one post: the link."""
    import boto3
    import requests

    gateway = info["gateway_url"]
    cognito = boto3.session.Session(
        region_name=info["region"], aws_access_key_id="local",
        aws_secret_access_key="local").client("cognito-idp", endpoint_url=info["moto_url"])
    from infra.demo.seed import sign_in

    client_id = _user_pool_client(cognito)
    employees, sessions, admin_auth = [], [], None
    self_cookie = ""
    for email, password, admin in info["logins"][:4]:
        auth = {"Authorization": "Bearer " + sign_in(cognito, client_id, email, password)[
            "IdToken"]}
        me = requests.get(f"{gateway}/me", headers=auth, timeout=TIMEOUT_S)
        me.raise_for_status()
        if admin and admin_auth is None:
            admin_auth = auth
            continue
        employees.append((me.json()["employee_id"], auth))
        if len(employees) == 1:  # the sharer: its browser's cookie makes its clicks "self"
            self_cookie = me.headers["set-cookie"].split(";")[0]
        session = requests.Session()
        session.post(f"{gateway}/signin", data={"email": email, "password": password},
                     headers={"Origin": gateway}, timeout=TIMEOUT_S).raise_for_status()
        sessions.append(session.cookies.get_dict())
    sharer_id, sharer_auth = employees[0]
    posts = requests.get(f"{gateway}/posts", headers=sharer_auth, timeout=TIMEOUT_S).json()
    post_id = posts["posts"][0]["post_id"]
    share = requests.post(f"{gateway}/posts/{post_id}/share", headers=sharer_auth,
                          json={"network": "linkedin"}, timeout=TIMEOUT_S)
    share.raise_for_status()
    code = urlsplit(share.json()["url"]).path.rsplit("/", 1)[-1]
    return Scene(gateway, code, post_id, sharer_id, self_cookie, info["conversion_secret"],
                 employees, sessions), admin_auth


def _user_pool_client(cognito: Any) -> str:
    pool = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    return cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=10)[
        "UserPoolClients"][0]["ClientId"]


# ------------------------------------------------------------------ the spike, the drain

def spike(scene: Scene, seconds: float, concurrency: int) -> tuple[Sent, float]:
    deadline = time.monotonic() + seconds
    clients = [Client(n, scene, deadline) for n in range(concurrency)]
    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started
    sent = Sent()
    for client in clients:
        sent.merge(client.sent)
    return sent, elapsed


def drain(info: dict[str, Any], aws: Callable[[str], Any]) -> dict[str, int]:
    """Until nothing moves: the click fallback queue into Events (track_click's drain, as
    its 5-minute schedule does), the Events stream into award_points."""
    import requests

    gateway, sqs = info["gateway_url"], aws("sqs")
    queue = info["queues"]["ClickFallbackQueue"]
    total: Counter = Counter()
    quiet_rounds, deadline = 0, time.monotonic() + DRAIN_DEADLINE_S
    while quiet_rounds < 2 and time.monotonic() < deadline:
        waiting = int(sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"]["ApproximateNumberOfMessages"])
        if waiting:
            total["fallback_queued"] += waiting
            requests.post(f"{gateway}/_local/invoke/TrackClickFunction",
                          json={"source": "drain"}, timeout=300).raise_for_status()
        pumped = requests.post(f"{gateway}/_local/pump", timeout=300).json()
        total.update({k: v for k, v in pumped.items() if isinstance(v, int)})
        moved = waiting or pumped.get("delivered") or pumped.get("failed")
        quiet_rounds = 0 if moved else quiet_rounds + 1
        if not moved:
            time.sleep(0.5)  # the stack's own pump thread may hold a batch: let it finish
    return dict(total)


# ------------------------------------------------------------------ the count

@dataclass
class Check:
    name: str
    expected: int
    found: int

    @property
    def ok(self) -> bool:
        return self.expected == self.found


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    items, args = [], {"TableName": table}
    while True:
        page = dynamodb.scan(**args)
        items += [{k: deserialize(v) for k, v in raw.items()} for raw in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def count(info: dict[str, Any], scene: Scene, admin_auth: dict[str, str], sent: Sent,
          aws: Callable[[str], Any]) -> tuple[list[Check], dict[str, int]]:
    """Every check (expected against found) and the three figures' counts."""
    import requests

    gateway = scene.gateway
    rules = requests.get(f"{gateway}/admin/rules", headers=admin_auth,
                         timeout=TIMEOUT_S).json()["effective"]
    running = [c for c in requests.get(f"{gateway}/challenges", headers=admin_auth,
                                       timeout=TIMEOUT_S).json()["challenges"]
               if c["status"] == "running" and not c.get("share_post_id")]
    # The most generous programme-wide challenge pays (rules.challenge_for); the demo's one.
    best = max(running, key=lambda c: (c["multiplier"], c["bonus"]), default=None)
    challenge = (best["multiplier"], best["bonus"]) if best else (1, 0)
    dynamodb = aws("dynamodb")
    events = _scan(dynamodb, info["tables"]["EventsTable"])
    scores = _scan(dynamodb, info["tables"]["ScoresTable"])
    employees = {employee_id for employee_id, _auth in scene.employees}

    checks: list[Check] = []
    answered = [a for a in sent.answers if a.due]
    checks.append(Check("requests answered as due (302, 404, 201/200, a page)",
                        len(sent.answers), len(answered)))
    on_link = [e for e in events if e.get("code") == scene.code]
    clicks = [e for e in on_link if e["type"] == "click"]
    by_class = Counter(e.get("klass") for e in clicks)
    expected_classes = sent.clicks_by_class()
    for klass in ("human", "repeat", "bot", "self", "unverified"):
        checks.append(Check(f"Events: {klass} clicks", expected_classes[klass],
                            by_class[klass]))
    stored_ids = {e["event_id"] for e in clicks}
    missing_ids = [i for i in sent.click_ids if i not in stored_ids]
    conversions = [e for e in on_link if e["type"] == "conversion"]
    checks.append(Check("Events: conversions (resent ones once)", len(sent.conversions),
                        len(conversions)))
    intents = [e for e in events if e["type"] == "share_intent"
               and e.get("employee_id") in employees and e.get("post_id") == scene.post_id]
    checks.append(Check("Events: share intents (one per employee, network, day)",
                        len(sent.intents), len(intents)))

    # award_points: every event counted once (its id in the ledger's `deferred`, or `seen`
    # for events counted before the shared day stats were written once per batch), paid as due.
    ledger = [s for s in scores if str(s["sk"]).startswith("LEDGER#")]
    seen = {i for bucket in ledger for key in ("seen", "deferred") for i in bucket.get(key, ())}
    ours = clicks + conversions + intents
    uncounted = [e for e in ours if e["event_id"] not in seen]
    checks.append(Check("award_points: events not counted", 0, len(uncounted)))
    entries = {i: entry for bucket in ledger if bucket.get("employee_id") == scene.sharer_id
               for i, entry in (bucket.get("entries") or {}).items()}
    paid_clicks = sum(1 for e in entries.values() if e["type"] == "click")
    checks.append(Check("ledger: paid clicks (human first clicks)",
                        expected_classes["human"], paid_clicks))
    paying = sum(1 for k in sent.conversions.values()
                 if expected_points("conversion", rules, challenge, k) > 0)
    checks.append(Check("ledger: paid conversions", paying,
                        sum(1 for e in entries.values() if e["type"] == "conversion")))
    expected = sent.expected_points_by_employee(rules, challenge, scene.sharer_id)
    ledger_points = Counter()
    for bucket in ledger:
        for entry in (bucket.get("entries") or {}).values():
            ledger_points[bucket.get("employee_id")] += int(entry["points"])
    doubled = 0
    for employee_id, auth in scene.employees:
        me = requests.get(f"{gateway}/me", headers=auth, timeout=TIMEOUT_S).json()
        board = requests.get(f"{gateway}/board", headers=auth, timeout=TIMEOUT_S).json()
        who = "sharer" if employee_id == scene.sharer_id else f"employee {employee_id[:8]}"
        found = {"ledger": ledger_points[employee_id], "board": (board["me"] or {}).get(
            "score", 0), "balance": int(me["balance"])}
        for place, points in found.items():
            checks.append(Check(f"{place} points: {who}", expected[employee_id], points))
        doubled += max(max(found.values()) - expected[employee_id], 0)

    # The stats dashboard's counters (GET /admin/stats), of the sharer and of the post.
    today = datetime.now(ZoneInfo(info["zone"])).date().isoformat()
    stats_checks = []
    sharer_intents = sum(1 for e, _n in sent.intents if e == scene.sharer_id)
    want = {"human_clicks": expected_classes["human"], "repeat_clicks": expected_classes[
        "repeat"], "bot_clicks": expected_classes["bot"], "self_clicks": expected_classes[
        "self"], "unverified_clicks": expected_classes["unverified"],
        "conversions": sum(map(conversion_earns, sent.conversions.values())),
        "unpaid_conversions": sum(not conversion_earns(k) for k in sent.conversions.values())}
    for dimension, key, intents_counted, points in (
            ("employee", scene.sharer_id, sharer_intents, expected[scene.sharer_id]),
            ("post", scene.post_id, len(sent.intents),
             sum(expected[e] for e in employees))):
        totals = requests.get(f"{gateway}/admin/stats", headers=admin_auth, timeout=TIMEOUT_S,
                              params={"dimension": dimension, "key": key, "from": today,
                                      "to": today}).json()["totals"]
        for name, value in {**want, "share_intents": intents_counted, "points": points}.items():
            stats_checks.append(Check(f"stats ({dimension}): {name}", value,
                                      int(totals.get(name, 0))))
    checks += stats_checks
    lost = len(missing_ids) + max(expected_classes["repeat"] - by_class["repeat"], 0) + sum(
        1 for e in uncounted if e["type"] == "click")
    return checks, {"lost_clicks": lost, "doubled_points": doubled,
                    "stats_mismatch": sum(1 for c in stats_checks if not c.ok)}


# ------------------------------------------------------------------ the whole run

def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


@dataclass
class Spike:
    """A spike sent to a running stack, drained: what count() judges."""
    info: dict[str, Any]
    scene: Scene
    admin_auth: dict[str, str]
    sent: Sent
    elapsed: float
    concurrency: int
    crossed_midnight: bool  # brand time: a repeat on the new day is a first click again
    drained: dict[str, int]

    def aws(self, service: str) -> Any:
        import boto3

        return boto3.session.Session(
            region_name=self.info["region"], aws_access_key_id="local",
            aws_secret_access_key="local").client(service, endpoint_url=self.info["moto_url"])

    def count(self) -> tuple[list[Check], dict[str, int]]:
        checks, counts = count(self.info, self.scene, self.admin_auth, self.sent, self.aws)
        failures = int(self.aws("sqs").get_queue_attributes(
            QueueUrl=self.info["queues"]["AwardFailureQueue"],
            AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"])
        checks.append(Check("AwardFailureQueue: records given up", 0, failures))
        return checks, counts

    def figures(self, counts: dict[str, int]) -> list[Figure]:
        answers = self.sent.answers
        return [
            Figure("load.requests_per_second", len(answers) / self.elapsed, "req/s",
                   f"info (most this machine sustains; {self.concurrency} clients, closed loop)"),
            Figure("load.p99_ms", _p99([a.ms for a in answers]), "ms",
                   "info (every request of the spike)"),
            Figure("load.lost_clicks", counts["lost_clicks"], "clicks", "0"),
            Figure("load.doubled_points", counts["doubled_points"], "points", "0"),
            Figure("load.stats_mismatch", counts["stats_mismatch"], "counters", "0"),
        ]


def send_spike(info: dict[str, Any], seconds: float, concurrency: int) -> Spike:
    """Set the scene on a running stack, spike, drain."""
    scene, admin_auth = set_scene(info)
    day = datetime.now(ZoneInfo(info["zone"])).date()
    sent, elapsed = spike(scene, seconds, concurrency)
    crossed = datetime.now(ZoneInfo(info["zone"])).date() != day
    result = Spike(info, scene, admin_auth, sent, elapsed, concurrency, crossed, {})
    result.drained = drain(info, result.aws)
    return result


def run_load(seconds: float, concurrency: int) -> tuple[list[Figure], list[Check], str]:
    """Start, spike, drain, count, stop: (figures, checks, the printed report)."""
    stack = StackProcess()
    try:
        result = send_spike(stack.info, seconds, concurrency)
        checks, counts = result.count()
    finally:
        stack.stop()
    figures = result.figures(counts)
    return figures, checks, report(result, checks, figures)


def report(result: Spike, checks: list[Check], figures: list[Figure]) -> str:
    """The requests by kind, the checks, the figures: three tables."""
    sent = result.sent
    lines = [f"spike: {len(sent.answers)} requests in {result.elapsed:.1f} s "
             f"({len(sent.answers) / result.elapsed:.0f}/s), {result.concurrency} clients; "
             f"drained: {json.dumps(result.drained)}"]
    if result.crossed_midnight:
        lines.append("note: the spike crossed the brand's midnight; a visitor's repeat on the "
                     "new day is a first click again: run it again")
    kinds = Counter(a.kind for a in sent.answers)
    lines.append("")
    lines.append(f"{'request':<18} {'sent':>7} {'as due':>7} {'p50 ms':>8} {'p99 ms':>8}"
                 "  answers")
    for kind in MIX:
        mine = [a for a in sent.answers if a.kind == kind]
        if not mine:
            continue
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(Counter(a.status for a in mine)
                                                             .items()))
        lines.append(f"{kind:<18} {kinds[kind]:>7} {sum(a.due for a in mine):>7} "
                     f"{statistics.median(a.ms for a in mine):>8.1f} "
                     f"{_p99([a.ms for a in mine]):>8.1f}  {statuses}")
    width = max(len(c.name) for c in checks)
    lines += ["", f"{'check':<{width}}  {'expected':>9}  {'found':>9}"]
    lines += [f"{c.name:<{width}}  {c.expected:>9}  {c.found:>9}  {'ok' if c.ok else 'WRONG'}"
              for c in checks]
    width = max(len(f.name) for f in figures)
    lines += ["", f"{'figure':<{width}}  {'value':>10}  {'unit':<9}  goal"]
    lines += [f"{f.name:<{width}}  {f.value:>10.3f}  {f.unit:<9}  {f.goal}" for f in figures]
    return "\n".join(lines)


def write_figures(figures: list[Figure]) -> None:
    """Into bench-results.json beside the figures `make bench` wrote (same shape)."""
    path = ROOT / "bench-results.json"
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        results = {}
    results.update({f.name: {"value": round(f.value, 4), "unit": f.unit, "goal": f.goal}
                    for f in figures})
    path.write_text(json.dumps(results, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="the spike's length (60)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="client threads, each sending as soon as it is answered (8: "
                             "more add latency, not requests, on a 2-core machine)")
    parser.add_argument("--no-write", action="store_true",
                        help="do not write bench-results.json")
    parser.add_argument("--json", help="also write the figures and checks to this file")
    parser.add_argument("--serve-stack", metavar="INFO_PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_stack:
        serve_stack(args.serve_stack)
        return 0
    if not 1 <= args.seconds <= 3600 or not 1 <= args.concurrency <= 256:
        parser.error("--seconds 1-3600, --concurrency 1-256")
    figures, checks, report = run_load(args.seconds, args.concurrency)
    print(report)
    if not args.no_write:
        write_figures(figures)
        print(f"\nwrote {ROOT / 'bench-results.json'}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"figures": {f.name: f.value for f in figures},
                       "checks": [{"name": c.name, "expected": c.expected, "found": c.found}
                                  for c in checks]}, out, indent=1)
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

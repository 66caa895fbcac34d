"""Odd and hostile requests through the local gateway, to every function: every answer carries
its security headers, every form field refuses what no person types, and a redirect target no
gateway could send is refused cleanly (never a dropped connection)."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
import requests

TIMEOUT = 30
HOSTILE = {"NUL": "a\x00b", "escape": "a\x1b[2Jb", "not UTF-8": b"a\xffb"}
# "The form could not be read." in English and French (the admin's language may be either).
REFUSED = ("The form could not be read.", "Le formulaire n’a pas pu être lu.")


@pytest.fixture(scope="module")
def stack():
    """A seeded stack of its own, without its schedules and stream pump, so nothing but
    these requests writes to its tables while they run; sign-up open, so that its forms are
    there to fill."""
    from helpers import local_stack

    yield from local_stack(auto=False, parameters={"SignUp": "open"})


@pytest.fixture(scope="module")
def admin(stack):
    """The demo admin signed in to the web app, with a redemption waiting in the queue."""
    from korpo.models import BalanceModel
    from korpo.shop import redemptions

    email, password = next((e, p) for e, p, is_admin in stack.demo.logins if is_admin)
    browser = _browser(stack)
    signed = browser.post(f"{stack.gateway_url}/signin", data={
        "email": email, "password": password, "next": "/news"},
        allow_redirects=False, timeout=TIMEOUT)
    assert signed.status_code == 303, signed.text[:500]
    # A Mastodon server this browser keeps: the share sheet links to its page ("Change server").
    browser.cookies.set("korpo_mastodon", "mastodon.social")
    employee_id = _sub(stack, email)
    BalanceModel(*BalanceModel.key(employee_id)).update(
        actions=[BalanceModel.points.add(5000)])
    redemptions.redeem(employee_id, "charity-10", notify=False)
    # The states whose pages have forms of their own: a paused channel (resume), a
    # deactivated colleague (reactivate).
    from korpo.feeds import channels
    from korpo.people import access

    channels.pause_channel(stack.demo.feed_ids[-1])
    from korpo.people import invitations  # a newcomer: send again, withdraw

    invitations.invite("newcomer@example.com", "en", employee_id, None, pool=invitations.Pool(
        stack.resources.user_pool_id, stack.cognito()))
    for colleague, colleague_password, _ in stack.demo.logins[1:]:  # their profiles
        assert _browser(stack).post(f"{stack.gateway_url}/signin", data={
            "email": colleague, "password": colleague_password}, allow_redirects=False,
            timeout=TIMEOUT).status_code == 303
    access.set_active(employee_id, _sub(stack, stack.demo.logins[-1][0]), False,
                      cognito=stack.cognito())
    return browser


def _sub(stack, email: str) -> str:
    import base64
    import json

    payload = stack.sign_in(email)["IdToken"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def _browser(stack) -> requests.Session:
    browser = requests.Session()
    browser.headers.update({"origin": stack.gateway_url, "accept-language": "en"})
    return browser


# ------------------------------------------------------------------ the forms of every page

class _Forms(HTMLParser):
    """Every POST form of a page: its action and its fields with the values it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.links: list[str] = []
        self._form: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._formactions: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "data-intent-url" in a:  # the form app.js posts when a share sheet's way is used
            self.forms.append((a["data-intent-url"], {
                "csrf": a.get("data-csrf", ""), "network": "copy",
                "challenge": a.get("data-challenge", "")}))
        if a.get("formaction") and self._form is not None:  # a button posting elsewhere
            self._formactions.append(a["formaction"])
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._formactions = []
            self._form = {}
            self.forms.append((a.get("action", ""), self._form))
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "image", "button"):
            self._form.setdefault(a["name"], a.get("value", ""))
        elif tag == "button":
            self._form.setdefault(a["name"], a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.setdefault(a["name"], "")
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(a["name"], "")
        if tag == "option" and self._select and self._form is not None:
            if not self._form[self._select] or "selected" in a:
                self._form[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms += [(action, dict(self._form)) for action in self._formactions]
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _crawl(stack, browser: requests.Session, start: list[str], per_route: int = 8,
           limit: int = 400) -> dict[str, tuple[str, dict[str, str]]]:
    """The POST forms reachable from `start` by this site's links, one per route of their
    action ({route template: (action, fields)}). A few pages of each route are read (a
    reward with a stock has a restock form, a paused channel a resume form…)."""
    import chalice_routes
    from infra.functions import load_module

    router = chalice_routes.Router.of(load_module("functions/web").app)
    seen: set[str] = set()
    pages_of: dict[str, int] = {}
    forms: dict[str, tuple[str, dict[str, str]]] = {}
    queue = list(start)
    while queue and limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        found = router.match(path)
        if found is None or path in seen or pages_of.get(found.path, 0) >= per_route \
                or path.startswith(("/static", "/l/")):
            continue
        seen.add(path)
        pages_of[found.path] = pages_of.get(found.path, 0) + 1
        limit -= 1
        page = browser.get(f"{stack.gateway_url}{url}", allow_redirects=False, timeout=TIMEOUT)
        again = page.headers.get("location", "")
        if again.startswith("/") and urlsplit(again).path == path:  # a create form's ?t=
            page = browser.get(f"{stack.gateway_url}{again}", allow_redirects=False,
                               timeout=TIMEOUT)
        if page.headers.get("location", "").startswith("/"):  # this site's own redirects
            queue.append(page.headers["location"])
        if "text/html" not in page.headers.get("content-type", ""):
            continue
        parser = _Forms()
        parser.feed(page.text)
        queue += parser.links
        for action, fields in parser.forms:
            route = router.match(urlsplit(action or path).path)
            if route is not None and route.path not in forms:
                forms[route.path] = (action or path, fields)
    return forms


def _tables(stack) -> dict[str, list]:
    import boto3

    dynamodb = boto3.client("dynamodb", region_name=stack.resources.region,
                            endpoint_url=stack.moto_url)
    return {name: sorted(map(repr, dynamodb.scan(TableName=name)["Items"]))
            for name in stack.resources.tables.values()}


def _hostile_body(fields: dict[str, str], name: str, value: str | bytes) -> bytes:
    """The form as the page holds it, `name` replaced by `value` (bytes: sent as they are,
    percent-encoded, as a client that does not speak UTF-8 would)."""
    body = urlencode({k: v for k, v in fields.items() if k != name}).encode()
    encoded = urlencode({name: value}).encode() if isinstance(value, str) else (
        name.encode() + b"=" + b"".join(b"%%%02X" % c for c in value))
    return body + b"&" + encoded if body else encoded


# POST routes no page of the crawl leads to, and why.
NO_PAGE_FORM = {
    "/{proxy+}": "the 404 and 405 page of a path no route serves: it reads no form",
    "/unsubscribe": "its form is reached from a programme e-mail's signed link only; the "
                    "same _parse_form refuses it (tests/functions/test_web.py)",
    "/signin/new-password": "reached only by signing in with an invitation's temporary "
                            "password; the same _parse_form refuses it",
}


def test_every_form_field_refuses_what_no_person_types_and_nothing_is_stored(stack, admin):
    import chalice_routes
    from infra.functions import load_module

    stranger = _browser(stack)
    forms = {**_crawl(stack, stranger, ["/signin", "/signup", "/signup/confirm",
                                        "/password/forgot", "/password/reset"]),
             **_crawl(stack, admin, ["/news", "/manage", "/profile", "/shop", "/leaderboard",
                                     "/points", "/manage/redemptions"])}
    app = load_module("functions/web").app
    posts = {path for path, methods in app.routes.items() if "POST" in methods}
    assert posts - set(forms) == set(NO_PAGE_FORM), ("forms no page of the walk showed",
                                                     sorted(posts - set(forms)))
    assert chalice_routes.FALLBACK in NO_PAGE_FORM

    before = _tables(stack)
    walked = 0
    for route, (action, fields) in sorted(forms.items()):
        browser = stranger if route in ("/signin", "/signup", "/signup/confirm",
                                        "/signup/resend", "/password/forgot",
                                        "/password/reset") else admin
        for name in fields:
            for why, value in HOSTILE.items():
                answer = browser.post(
                    f"{stack.gateway_url}{action}", data=_hostile_body(fields, name, value),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    allow_redirects=False, timeout=TIMEOUT)
                assert answer.status_code == 400, (route, name, why, answer.text[:300])
                assert any(words in answer.text for words in REFUSED), (route, name, why)
                walked += 1
    assert walked > 100  # every field of some 40 forms, three times
    assert _tables(stack) == before  # not a single item written, changed or deleted


# ------------------------------------------------------------------ headers on every answer

def _check_headers(answer: requests.Response, what: str) -> None:
    headers = answer.headers
    assert headers.get("x-content-type-options") == "nosniff", what
    csp = headers.get("content-security-policy", "")
    assert csp.startswith("default-src 'none'") and "frame-ancestors" in csp, what
    cache = headers.get("cache-control", "")
    assert cache.startswith("no-store") or "immutable" in cache, what


def test_every_answer_of_every_function_carries_its_security_headers(stack, admin):
    """The gateway's own answers (401 without a token, its 404 for a route no function
    takes) are API Gateway's, as in AWS: everything a function answers is checked."""
    url = stack.gateway_url
    employee = stack.demo.logins[1][0]
    token = {"Authorization": f"Bearer {stack.sign_in(employee)['IdToken']}"}
    post_id = requests.get(f"{url}/posts", headers=token, timeout=TIMEOUT).json()["posts"][0][
        "post_id"]
    share = requests.post(f"{url}/posts/{post_id}/share", headers=token,
                          json={"network": "x"}, timeout=TIMEOUT).json()["url"]
    code = share.rsplit("/", 1)[1]
    form = {"content-type": "application/x-www-form-urlencoded", "origin": url}
    odd = [
        # web: pages, its 404 and 405, Chalice's 415, refused forms and queries, assets
        ("GET", "/", {}, None), ("GET", "/wp-login.php", {}, None),
        ("DELETE", "/news", {}, None), ("HEAD", "/signin", {}, None),
        ("POST", "/signin", {"content-type": "application/json"}, b'{"a": 1}'),
        ("POST", "/signin", form, b"email=%FF"), ("POST", "/signin", {}, b"x"),
        ("GET", "/leaderboard?month=%FF", {}, None), ("GET", "/static/nothing.css", {}, None),
        ("GET", "/news/%FF", {}, None), ("POST", "/profile", form, b"display_name=x"),
        # track_click: the 302, HEAD, the 404 page, 431, 405, Chalice's 415, 413, 401, 400,
        # the GIF (valid or not)
        ("GET", f"/l/{code}", {}, None), ("HEAD", f"/l/{code}", {}, None),
        ("GET", "/l/zzzzzzzzzz", {}, None), ("GET", f"/l/{code}", {"x-pad": "a" * 9000}, None),
        ("POST", "/conversions", {"content-type": "text/plain"}, b"{}"),
        ("POST", "/conversions", {"content-type": "application/json"}, b"x" * 5000),
        ("POST", "/conversions", {"content-type": "application/json"}, b'{"a": 1}'),
        ("GET", "/c.gif?click_id=%FF&type=signup", {}, None), ("GET", "/c.gif", {}, None),
        # api (signed in): 200, 404, 405, 400 for bad JSON, text that is not text, a query
        ("GET", "/me", token, None), ("GET", "/me/nothing", token, None),
        ("PUT", "/me", token, None),
        ("PATCH", "/me/profile", {**token, "content-type": "application/json"}, b"{not"),
        ("PATCH", "/me/profile", {**token, "content-type": "application/json"},
         b'{"display_name": "\\u0000"}'),
        ("GET", "/board?month=%FF", token, None), ("GET", "/admin/feeds", token, None),
    ]
    statuses = set()
    for method, path, headers, body in odd:
        client = admin if path in ("/profile",) else requests
        answer = client.request(method, f"{url}{path}", headers=headers, data=body,
                                allow_redirects=False, timeout=TIMEOUT)
        assert answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
        _check_headers(answer, f"{method} {path} -> {answer.status_code}")
        statuses.add(answer.status_code)
    assert {200, 302, 303, 400, 401, 403, 404, 405, 413, 415, 431} <= statuses


# ------------------------------------------------------------------ redirect targets

@pytest.mark.parametrize("target", ["/%E3%80%82evil.example", "/caf%C3%A9", "//evil.example"])
def test_a_redirect_target_no_gateway_could_send_is_refused_cleanly(stack, target):
    """`next=/。evil.example` once became a Location header in Unicode, and the gateway
    dropped the connection: now the target is refused (the news instead), and the answer
    arrives whole."""
    browser = _browser(stack)
    email, password, _admin = stack.demo.logins[1]
    signed = browser.post(f"{stack.gateway_url}/signin?next={target}", data={
        "email": email, "password": password}, allow_redirects=False, timeout=TIMEOUT)
    assert signed.status_code == 303 and signed.headers["location"] == "/news"
    again = browser.get(f"{stack.gateway_url}/signin?next={target}", allow_redirects=False,
                        timeout=TIMEOUT)
    assert again.status_code == 303 and again.headers["location"] == "/news"

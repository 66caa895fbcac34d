"""No page answers 500, whatever it is sent: every route of the web function (its own route
table), as a stranger, an employee and an admin, with hostile path parameters, query strings,
form fields (every field name the templates and routes use, and others), cookies and
languages. Bounded: a few examples per route and method, derandomized (the same run each
time), moto in-process; the network is this machine only (channel discovery is refused an
outside address by its guard, which never gets to resolve it here)."""
from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from helpers import app_routes
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from web_pages import FORM, HOST, as_admin, page_event, session_cookie, web_with_user_pool

WEB = Path(__file__).resolve().parents[2] / "functions" / "web" / "webapp"
ROUTES = app_routes("functions/web")
EXAMPLES = 6


def _field_names() -> list[str]:
    """Every form field a template shows or a route reads, and a few nobody sends."""
    names = set()
    for path in list(WEB.rglob("*.html")) + list(WEB.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'\bname="(\w+)"', text))
        names |= set(re.findall(r'\b(?:field|textarea|select)\("(\w+)"', text))
    return sorted(names - {"viewport"}) + ["employee_id", "__proto__", "csrf[]"]


FIELDS = _field_names()
QUERY_KEYS = ["before", "channel", "challenge", "month", "t", "done", "next", "saved", "show",
              "status", "table", "c", "from", "to", "cursor", "resent", "dimension", "key"]
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "99999999999999999999", "true",
                     "null", "[]", "{}", "../../etc/passwd", "%00", "\x00", "<script>x</script>",
                     "javascript:alert(1)", "https://evil.example/", "//evil.example",
                     "2026-13-45", "2026-02-30T25:61", "9999-12-31T23:59:59+14:00", "é" * 2000,
                     "a" * 5000, "🙂" * 100, "\u202e\u200b", "%ZZ", "+", "mastodon.social",
                     "ann@example.com"]))


def _path(route: str, values: list[str]) -> str:
    """The route with each {parameter} replaced by a value, percent-encoded as a browser
    would send it (an empty one becomes a lone "-": an empty segment is another path)."""
    out = route
    for value in values:
        out = re.sub(r"{\w+\+?}", lambda _m: quote(value or "-", safe=""), out, count=1)
    return out


def _headers(who: str, cookie_noise: str, language: str) -> dict[str, str]:
    cookie = {"stranger": "", "employee": session_cookie(),
              "admin": as_admin()["cookie"]}[who]
    if cookie_noise:
        cookie = f"{cookie}; {cookie_noise}" if cookie else cookie_noise
    headers = {"accept-language": language, "origin": f"https://{HOST}"}
    if cookie:
        headers["cookie"] = cookie
    return headers


@pytest.fixture
def web_app(aws, monkeypatch):
    from korpo.feeds.guard import ALLOW_PRIVATE_ENV

    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    real = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):  # tests talk to this machine only
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, "tests resolve no outside name")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    with web_with_user_pool(monkeypatch, "fuzz") as (call, cognito, pool, _client):
        cognito.create_group(UserPoolId=pool, GroupName="admins")  # as the template's
        yield call


@pytest.mark.parametrize("method,route", ROUTES)
def test_no_page_answers_a_server_error(web_app, method, route):
    parameters = len(re.findall(r"{\w+\+?}", route))

    @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))
    @given(who=st.sampled_from(["stranger", "employee", "admin"]),
           values=st.lists(HOSTILE, min_size=parameters, max_size=parameters),
           query=st.dictionaries(st.sampled_from(QUERY_KEYS) | st.text(max_size=10), HOSTILE,
                                 max_size=4),
           fields=st.dictionaries(st.sampled_from(FIELDS), HOSTILE, max_size=8),
           with_token=st.booleans(),
           content_type=st.sampled_from([FORM, FORM, "multipart/form-data", "text/plain",
                                         "application/json"]),
           cookie_noise=st.sampled_from(["", "korpo_session=x.y", "korpo_lang=de",
                                         "korpo_mastodon=<b>", "korpo_refresh=forged",
                                         "=;;==", "korpo_pending=%FF%FE"]),
           language=st.sampled_from(["fr", "en", "de;q=x", "*", "fr-FR,fr;q=0.9", ""]))
    def visit(who, values, query, fields, with_token, content_type, cookie_noise, language):
        headers = _headers(who, cookie_noise, language)
        body = None
        if method == "POST":
            headers["content-type"] = content_type
            body = urlencode({**({"csrf": "token-1"} if with_token else {}), **fields})
        event = page_event(_path(route, values), method=method, query=query or None,
                           headers=headers, body=body)
        answer = web_app(event)
        assert answer["statusCode"] < 500, (method, event["path"], query, fields,
                                            answer["body"][:300])

    visit()

"""/manage/stats and /manage/stats.csv: events awarded through the award_points handler, then
the page and the files show the right figures; hostile titles are escaped on the page and
neutralised in the CSV; a bad period is an error next to its field."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from helpers import load_event
from infra.functions import LambdaContext, load_handler
from web_pages import as_admin, headers_of, page_event, text_of

AT = "2026-11-22T10:00:00.000000+0000"
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
HOSTILE = '=cmd()<script>alert(1)</script>'


def _record(event_id: str, seq: int, **image: str) -> dict:
    record = load_event("award_points/click_inserted")["Records"][0]
    new = record["dynamodb"]["NewImage"]
    new["event_id"]["S"] = event_id
    new["at"]["S"] = AT
    for name, value in image.items():
        new[name] = {"S": value}
    record["dynamodb"]["Keys"]["event_id"]["S"] = event_id
    record["dynamodb"]["SequenceNumber"] = f"{seq:024d}"
    return record


@pytest.fixture
def seeded(web, aws):
    """A post with a hostile title; 2 human clicks, 1 bot click, 1 share, 1 conversion, and
    1 conversion through a bot's click (unpaid)."""
    from korpo.models import PostModel

    record = _record("x", 0)
    post_id = record["dynamodb"]["NewImage"]["post_id"]["S"]
    PostModel(*PostModel.key(post_id), post_id=post_id, feed_id="blog", title=HOSTILE,
              url="https://example.com/p", gsi1pk="POSTS",
              gsi1sk=f"2026-11-20T00:00:00Z#{post_id}",
              published_at=datetime(2026, 11, 20, tzinfo=timezone.utc),
              first_seen_at=datetime(2026, 11, 20, tzinfo=timezone.utc),
              content_hash="h").save()
    records = [_record("h1", 1, klass="human", visitor_key="v1", referrer="linkedin"),
               _record("h2", 2, klass="human", visitor_key="v2", referrer="linkedin"),
               _record("b1", 3, klass="bot", referrer="linkedin"),
               _record("s1", 4, type="share_intent", network="linkedin"),
               _record("k1", 5, type="conversion", conversion_type="lead"),
               _record("k2", 6, type="conversion", conversion_type="lead", klass="bot")]
    handler = load_handler("AwardPointsFunction")
    for _ in range(2):  # delivered twice: counted once
        assert handler({"Records": records}, LambdaContext("award_points")) == {
            "batchItemFailures": []}
    return post_id


def _en() -> dict:
    return as_admin(**{"accept-language": "en"})


def _csv(web, table: str, **query: str) -> tuple[dict, list[list[str]]]:
    answer = web(page_event("/manage/stats.csv", query={**PERIOD, "table": table, **query},
                            headers=_en()))
    assert answer["statusCode"] == 200, answer["body"][:300]
    body = answer["body"]
    assert body.startswith("\ufeff")
    return answer, list(csv.reader(io.StringIO(body[1:])))


def test_the_page_shows_reach_apart_from_bots_and_the_rate(web, seeded):
    answer = web(page_event("/manage/stats", query=PERIOD, headers=_en()))
    assert answer["statusCode"] == 200, answer["body"][:500]
    words = text_of(answer["body"])
    assert "Reach (human clicks) 2" in words
    assert "Clicks by robots and link previews (not reach) 1" in words
    assert "Conversions 1" in words
    assert "Unpaid conversions 1" in words  # the bot's: apart, not in the rate
    assert "Conversion rate 50" in words
    assert "<svg" in answer["body"] and "<rect class=\"bar\"" in answer["body"]
    assert "style=" not in answer["body"]  # the CSP refuses inline styles


def test_a_hostile_title_is_escaped_on_the_page(web, seeded):
    body = web(page_event("/manage/stats", query=PERIOD, headers=_en()))["body"]
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_csv_has_the_figures_and_neutralises_formulas(web, seeded):
    answer, rows = _csv(web, "posts")
    headers = headers_of(answer)
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert headers["content-disposition"].startswith('attachment; filename="korpo-stats-posts')
    assert rows[0] == ["Post", "Human clicks", "Shares", "Conversions", "Points awarded"]
    assert rows[1][0] == "'" + HOSTILE  # a spreadsheet shows it as text, never runs it
    assert rows[1][1:4] == ["2", "1", "1"]
    _answer, summary = _csv(web, "summary")
    figures = {row[0]: row[1] for row in summary[1:]}
    assert figures["Human clicks (reach)"] == "2"
    assert figures["Clicks by robots and link previews (not reach)"] == "1"
    assert figures["Conversion rate (conversions per human click)"] == "0.5000"
    assert figures["Conversions"] == "1"
    assert figures["Conversions through robots' or unverified clicks (earn nothing)"] == "1"
    _answer, days = _csv(web, "daily")
    assert ["2026-11-22", "2", "2", "1", "1", "1"] == days[days.index(
        next(r for r in days if r[0] == "2026-11-22"))][:6]
    assert len(days) == 1 + 30


def test_a_filter_narrows_to_one_post_chosen_from_the_list(web, seeded):
    page = web(page_event("/manage/stats", query=PERIOD, headers=_en()))["body"]
    assert f'value="post:{seeded}"' in page
    answer = web(page_event("/manage/stats", query={**PERIOD, "show": f"post:{seeded}"},
                            headers=_en()))
    assert answer["statusCode"] == 200
    assert "Reach (human clicks) 2" in text_of(answer["body"])
    _answer, networks = _csv(web, "networks", show=f"post:{seeded}")
    assert networks[1][:3] == ["LinkedIn", "2", "1"]


@pytest.mark.parametrize("query,field,message", [
    ({"from": "2026-13-01", "to": "2026-11-30"}, "from", "Enter a real date"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "from", "on or before the end date"),
    ({"from": "2025-01-01", "to": "2026-11-30"}, "from", "at most 366 days"),
    ({"to": "yesterday"}, "to", "Enter a real date"),
    ({"show": "team:no-such-team"}, "show", "Choose what to show from the list"),
])
def test_a_bad_question_is_an_error_next_to_its_field(web, aws, query, field, message):
    answer = web(page_event("/manage/stats", query=query, headers=_en()))
    assert answer["statusCode"] == 400
    assert f'id="{field}-error"' in answer["body"]
    assert message in answer["body"]
    assert f'href="#{field}"' in answer["body"]  # the error summary links to the field


def test_the_csv_refuses_an_unknown_table_and_a_bad_period(web, aws):
    assert web(page_event("/manage/stats.csv", query={"table": "secrets"},
                          headers=_en()))["statusCode"] == 404
    assert web(page_event("/manage/stats.csv", query={"from": "x"},
                          headers=_en()))["statusCode"] == 400


def test_the_page_is_in_french_too(web, seeded):
    answer = web(page_event("/manage/stats", query=PERIOD,
                            headers=as_admin(**{"accept-language": "fr"})))
    assert answer["statusCode"] == 200
    assert "Portée (clics humains)" in text_of(answer["body"])
    assert "Conversions non payées 1" in text_of(answer["body"])
    # the CSV's words follow the admin's language too
    answer = web(page_event("/manage/stats.csv", query={**PERIOD, "table": "summary"},
                            headers=as_admin(**{"accept-language": "fr"})))
    assert "Conversions issues de clics de robots ou non vérifiés" in answer["body"]


def test_this_month_last_month_and_this_quarter_are_one_tap_away(web, aws, monkeypatch):
    from datetime import date
    from urllib.parse import parse_qs

    from webapp.routes.admin import stats

    monkeypatch.setattr(stats, "_today", lambda visit: date(2026, 11, 17))
    page = web(page_event("/manage/stats", headers=_en(),
                          query={"show": "all", "from": "2026-11-01", "to": "2026-11-17"}))
    nav = page["body"].split('class="presets"')[1].split("</nav>")[0]
    links = [(text, parse_qs(href.replace("&amp;", "&")))
             for href, current, text in __import__("re").findall(
                 r'<a href="/manage/stats\?([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)]
    assert [(text, q["from"][0], q["to"][0]) for text, q in links] == [
        ("This month", "2026-11-01", "2026-11-17"), ("Last month", "2026-10-01", "2026-10-31"),
        ("This quarter", "2026-10-01", "2026-11-17")]
    assert 'aria-current="page">This month<' in nav  # the period shown
    assert date(2027, 1, 1) in {p.period.first for p in stats.presets(date(2027, 3, 31))}
    assert stats.presets(date(2027, 1, 5))[1].period == stats.Period(date(2026, 12, 1),
                                                                     date(2026, 12, 31))

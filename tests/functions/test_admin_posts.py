"""/manage/posts: every post with its state, a post added by hand, and one post's suggested
share text, expiry, pin and visibility; the employees' news honours pins, expiry and
audience."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import make_post
from web_pages import ME, as_admin, form, headers_of, page_event, signed_in, text_of


def admin_en(**headers: str) -> dict:
    """An admin whose browser asks for English (the event's own asks for French)."""
    return as_admin(**{"accept-language": "en", **headers})


def words_of(body: str) -> str:
    return html.unescape(text_of(body))


def admin_get(web, path: str, **params) -> dict:
    return web(page_event(path, params=params or None, headers=admin_en()))


def send(web, path: str, post_id: str | None = None, **fields) -> dict:
    return web(form(path, fields, params={"post_id": post_id} if post_id else None,
                    who=admin_en()))


def news(web) -> str:
    answer = web(page_event("/news", headers=signed_in()))
    assert answer["statusCode"] == 200, answer["body"][:500]
    return answer["body"]


def titles_in_order(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(
        r'<h2><a href="[^"]*" rel="noopener noreferrer">(.*?)</a></h2>', body)]


def add_manual(web, **fields) -> str:
    answer = send(web, "/manage/posts/new", **{"url": "https://www.linkedin.com/posts/brand-1",
                                               "title": "Our new office", **fields})
    assert answer["statusCode"] == 303, answer["body"][:1500]
    return headers_of(answer)["location"].split("/manage/posts/")[1].split("?")[0]


# ---------------------------------------------------------------- a post added by hand

def test_a_post_added_by_hand_is_in_the_news_and_shares_like_any_other(web):
    post_id = add_manual(web, text="We moved.\n\nCome and see <b>us</b>!",
                         image_url="https://cdn.example.com/office.jpg")
    page = admin_get(web, "/manage/posts/{post_id}", post_id=post_id)
    assert page["statusCode"] == 200 and "Added by hand" in page["body"]

    body = news(web)
    assert "Our new office" in body and 'src="https://cdn.example.com/office.jpg"' in body
    assert "<p>We moved.</p><p>Come and see &lt;b&gt;us&lt;/b&gt;!</p>" in body
    target = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": post_id, "target": "linkedin"},
                            query={"t": "token-1"}, headers=signed_in()))
    assert target["statusCode"] == 303
    text = parse_qs(urlsplit(headers_of(target)["location"]).query)["text"][0]
    assert text.startswith("Our new office http") and text.endswith("#collaborateur")


@pytest.mark.parametrize("fields, field, words", [
    ({"url": ""}, "url", "Enter the address of the post."),
    ({"url": "javascript:alert(1)"}, "url", "starts with http:// or https://"),
    ({"url": "data:text/html,hi"}, "url", "starts with http:// or https://"),
    ({"url": "/relative/path"}, "url", "starts with http:// or https://"),
    # A post's link must not lead the public into a network, in any spelling (issue 20).
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "url", "private network"),
    ({"url": "https://127.1/"}, "url", "private network"),
    ({"url": "http://0x7f.1/admin"}, "url", "private network"),
    ({"url": "http://10.1/"}, "url", "private network"),
    ({"url": "http://router.lan/"}, "url", "private network"),
    ({"image_url": "https://192.168.1.1/x.jpg"}, "image_url", "starts with https://"),
    ({"title": " "}, "title", "Enter the post's title."),
    ({"title": "t" * 201}, "title", "200 characters or fewer"),
    ({"image_url": "http://cdn.example.com/x.jpg"}, "image_url", "starts with https://"),
    ({"image_url": "javascript:alert(1)"}, "image_url", "starts with https://"),
    ({"text": "x" * 1500 + "\n" + "y" * 1000}, "text", "2000 characters or fewer"),
    ({"url": "https://brand.example.com/" + "a" * 2100}, "url", "2048 characters or fewer"),
    ({"title": "right-to-left\u202eoverride"}, "title", "characters that cannot be saved"),
])
def test_a_refused_post_says_why_next_to_the_field_and_saves_nothing(web, fields, field, words):
    from korpo.content import posts

    answer = send(web, "/manage/posts/new", **{"url": "https://brand.example.com/a",
                                               "title": "A title", **fields})
    assert answer["statusCode"] == 400
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>',
                      answer["body"], re.S)
    assert error and words in words_of(error.group(1)), answer["body"][:2000]
    assert f'href="#{field}"' in answer["body"]
    assert posts.list_posts(include_hidden=True) == []



def summary_links(body: str) -> list[str]:
    """The fields the error summary at the top links to, in its order."""
    summary = body.split('class="error-summary"')[1].split("</div>")[0]
    return re.findall(r'<a href="#([a-z_]+)">', summary)


def test_every_refused_input_is_named_at_once(web):
    from korpo.content import posts

    new = send(web, "/manage/posts/new", url="", title=" ", text="x" * 2100,
               image_url="http://cdn.example.com/x.jpg")
    assert summary_links(new["body"]) == ["url", "title", "text", "image_url"]
    make_post("p1")
    edit = send(web, "/manage/posts/{post_id}", "p1", share_text="x" * 501,
                expires_on="31/12/2027")
    assert summary_links(edit["body"]) == ["share_text", "expires_on"]
    assert posts.get_post("p1").share_text is None


def test_hostile_admin_text_is_shown_escaped_everywhere(web):
    hostile = '<script>alert("x")</script>'
    post_id = add_manual(web, title=hostile, text=hostile)
    send(web, "/manage/posts/{post_id}", post_id, share_text=hostile, expires_on="")
    pages = [admin_get(web, "/manage/posts")["body"],
             admin_get(web, "/manage/posts/{post_id}", post_id=post_id)["body"], news(web),
             web(page_event("/news/{post_id}", params={"post_id": post_id},
                            headers=signed_in()))["body"]]
    for body in pages:
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body or \
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


# ---------------------------------------------------------------- suggested share text

def test_the_suggested_text_is_what_the_share_targets_prefill_with_the_disclosure(web):
    make_post("p1")
    saved = send(web, "/manage/posts/{post_id}", "p1", share_text="Proud of this launch!",
                 expires_on="")
    assert headers_of(saved)["location"] == "/manage/posts/p1?done=saved"
    assert "Proud of this launch!</textarea>" in admin_get(
        web, "/manage/posts/{post_id}", post_id="p1")["body"]

    sheet = web(page_event("/news/{post_id}", params={"post_id": "p1"}, headers=signed_in()))
    assert "Proud of this launch!" in sheet["body"] and "#collaborateur" in sheet["body"]
    target = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": "p1", "target": "x"}, query={"t": "token-1"},
                            headers=signed_in()))
    text = parse_qs(urlsplit(headers_of(target)["location"]).query)["text"][0]
    assert text.startswith("Proud of this launch! http") and text.endswith(" #collaborateur")

    send(web, "/manage/posts/{post_id}", "p1", share_text="", expires_on="")  # back to the title
    target = web(page_event("/news/{post_id}/share/{target}",
                            params={"post_id": "p1", "target": "x"}, query={"t": "token-1"},
                            headers=signed_in()))
    assert parse_qs(urlsplit(headers_of(target)["location"]).query)["text"][0].startswith(
        "Title p1 http")


def test_a_too_long_suggested_text_or_a_bad_date_saves_nothing(web):
    from korpo.content import posts

    make_post("p1")
    long = send(web, "/manage/posts/{post_id}", "p1", share_text="x" * 501, expires_on="")
    assert long["statusCode"] == 400 and 'id="share_text-error"' in long["body"]
    bad_day = send(web, "/manage/posts/{post_id}", "p1", share_text="Kept?",
                   expires_on="31/12/2027")
    assert bad_day["statusCode"] == 400 and "Enter a real date" in bad_day["body"]
    assert "Kept?</textarea>" in bad_day["body"]  # what was typed stays in the form
    far = send(web, "/manage/posts/{post_id}", "p1", share_text="", expires_on="2099-01-01")
    assert far["statusCode"] == 400 and "within the next five years" in far["body"]
    post = posts.get_post("p1")
    assert post.share_text is None and post.expires_at is None


# ---------------------------------------------------------------- expiry

def test_an_expired_post_leaves_the_news_and_its_links_keep_redirecting(web, track_click):
    from korpo.content.curate import expiry_day
    from korpo.tracking import links

    make_post("p1")
    link = links.get_or_create(ME, "p1", "linkedin")
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat()
    send(web, "/manage/posts/{post_id}", "p1", share_text="", expires_on=tomorrow)
    assert "Title p1" in news(web)  # not yet
    page = admin_get(web, "/manage/posts/{post_id}", post_id="p1")["body"]
    assert f'value="{tomorrow}"' in page

    yesterday = (datetime.now(timezone.utc) - timedelta(days=2)).date().isoformat()
    send(web, "/manage/posts/{post_id}", "p1", share_text="", expires_on=yesterday)
    assert "Title p1" not in news(web)
    assert web(page_event("/news/{post_id}", params={"post_id": "p1"},
                          headers=signed_in()))["statusCode"] == 404
    with pytest.raises(links.PostNotFound):
        links.get_or_create(ME, "p1", "x")  # no new link
    assert track_click(link.code)["statusCode"] == 302  # the shared one still works
    assert ">Expired<" in admin_get(web, "/manage/posts")["body"]
    from zoneinfo import ZoneInfo

    from korpo.content import posts

    assert expiry_day(posts.get_post("p1").expires_at, ZoneInfo("Europe/Paris")).isoformat() \
        == yesterday


# ---------------------------------------------------------------- pins

def test_a_pinned_post_comes_first_in_the_news_and_at_most_three_are_pinned(web):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for n in range(5):
        make_post(f"p{n}", published=start + timedelta(hours=n))
    assert titles_in_order(news(web))[:2] == ["Title p4", "Title p3"]

    pinned = send(web, "/manage/posts/{post_id}/pin", "p0", pin="yes")
    assert headers_of(pinned)["location"] == "/manage/posts/p0?done=pinned"
    order = titles_in_order(news(web))
    assert order == ["Title p0", "Title p4", "Title p3", "Title p2", "Title p1"]  # once

    send(web, "/manage/posts/{post_id}/pin", "p1", pin="yes")
    send(web, "/manage/posts/{post_id}/pin", "p2", pin="yes")
    fourth = send(web, "/manage/posts/{post_id}/pin", "p3", pin="yes")
    assert fourth["statusCode"] == 409
    assert "Three posts are pinned already: unpin one first." in words_of(fourth["body"])

    send(web, "/manage/posts/{post_id}/pin", "p0", pin="no")
    assert titles_in_order(news(web))[:3] == ["Title p2", "Title p1", "Title p4"]
    assert ">Pinned<" in admin_get(web, "/manage/posts")["body"]


def test_a_hidden_pinned_post_is_not_shown_on_top(web):
    make_post("p1")
    send(web, "/manage/posts/{post_id}/pin", "p1", pin="yes")
    hidden = send(web, "/manage/posts/{post_id}/visibility", "p1", hidden="yes")
    assert headers_of(hidden)["location"] == "/manage/posts/p1?done=hidden"
    assert "Title p1" not in news(web)
    page = admin_get(web, "/manage/posts/{post_id}", post_id="p1")["body"]
    assert "Show the post again" in page and ">Hidden<" in page

    send(web, "/manage/posts/{post_id}/visibility", "p1", hidden="no")
    assert titles_in_order(news(web)) == ["Title p1"]


# ---------------------------------------------------------------- the admins' list

def test_the_list_pages_newest_first_with_every_post(web):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for n in range(27):
        make_post(f"p{n:02d}", published=start + timedelta(hours=n), hidden=n == 26)
    first = admin_get(web, "/manage/posts")
    assert first["statusCode"] == 200
    assert "Title p26" in first["body"] and ">Hidden<" in first["body"]
    assert "Title p02" in first["body"] and "Title p01" not in first["body"]
    cursor = html.unescape(first["body"].split("/manage/posts?before=")[1].split('"')[0])
    second = web(page_event("/manage/posts", query={"before": parse_qs(f"b={cursor}")["b"][0]},
                            headers=admin_en()))
    assert "Title p01" in second["body"] and "Title p00" in second["body"]
    assert "Title p02" not in second["body"] and "Newest posts" in second["body"]


def test_an_unknown_post_is_a_404(web):
    for path in ("/manage/posts/{post_id}",):
        assert admin_get(web, path, post_id="nope")["statusCode"] == 404
    assert send(web, "/manage/posts/{post_id}/pin", "nope", pin="yes")["statusCode"] == 404
    assert admin_get(web, "/manage/posts/{post_id}", post_id="x" * 300)["statusCode"] == 404


# ---------------------------------------------------------------- the news, as a domain

def test_news_page_honours_audience_deleted_channels_expiry_and_pins(aws):
    from zoneinfo import ZoneInfo

    from korpo.content import curate, posts
    from korpo.feeds import channels, store
    from korpo.people import teams

    sales = teams.create_team("Sales")
    everyone = store.add_feed("https://a.example.com/feed")
    for_sales = store.add_feed("https://b.example.com/feed", audience={sales.team_id})
    gone = store.add_feed("https://c.example.com/feed")
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for n, feed in enumerate((everyone, for_sales, gone, everyone, everyone)):
        make_post(f"p{n}", published=start + timedelta(hours=n)).update(
            actions=[posts.PostModel.feed_id.set(feed.feed_id)])
    channels.delete_channel(gone.feed_id)
    curate.set_expiry("p4", date_before(start), ZoneInfo("UTC"))
    curate.pin_post("p0")

    def ids(team):
        hidden = channels.hidden_feed_ids(store.list_feeds(), team)
        return [p.post_id for p in posts.news_page(10, hidden_feeds=hidden)[0]]

    assert ids(None) == ["p0", "p3"]
    assert ids(sales.team_id) == ["p0", "p3", "p1"]


def date_before(when: datetime):
    return (when - timedelta(days=1)).date()


def test_news_page_reads_a_bounded_number_of_posts_per_page(aws, monkeypatch):
    from korpo.content import posts

    monkeypatch.setattr(posts, "NEWS_EXAMINED_MAX", 5)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for n in range(8):
        make_post(f"p{n}", published=start + timedelta(hours=n))
    page, cursor = posts.news_page(3, hidden_feeds={"feed-1"})  # every post kept out
    assert page == [] and cursor  # stopped after 5, with a cursor to go on from
    page, cursor = posts.news_page(3, before=cursor, hidden_feeds={"feed-1"})
    assert page == [] and cursor is None


def test_the_json_api_lists_the_same_news(api):
    from zoneinfo import ZoneInfo

    from helpers import body_of, claims_for

    from korpo.content import curate

    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for n in range(3):
        make_post(f"p{n}", published=start + timedelta(hours=n))
    curate.pin_post("p0")
    curate.set_expiry("p2", date_before(start), ZoneInfo("UTC"))
    listed = body_of(api("api/list_posts", claims=claims_for("e-1", "e@example.com")))["posts"]
    assert [p["post_id"] for p in listed] == ["p0", "p1"]

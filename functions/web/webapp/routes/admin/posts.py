"""Posts: every post newest first with its state, a post added by hand, and one post's
suggested share text, expiry, pin and visibility."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from korpo.content import curate, posts
from korpo.feeds import store as feed_store
from webapp.i18n import N_
from webapp.pages import PageError, Pages, Redirect, Visit
from webapp.routes.admin.common import admin_page, request_id

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

PER_PAGE = 25
MAX_POST_ID_CHARS = 100

DONE = {
    "added": N_("Post added: it is in the news now."),
    "saved": N_("Post saved."),
    "pinned": N_("Post pinned to the top of the news."),
    "unpinned": N_("Post unpinned."),
    "hidden": N_("Post hidden: it left the news and its links no longer earn."),
    "shown": N_("Post shown again: its links earn again."),
}

# Why an input was refused, by field and reason (curate.InvalidPost).
REFUSALS = {
    ("url", "required"): N_("Enter the address of the post."),
    ("url", "too_long"): N_("The address must be 2048 characters or fewer."),
    ("url", "not_web"): N_("Enter a full web address that starts with http:// or https://."),
    ("url", "private"): N_("Enter a public web address: addresses of a private network "
                           "cannot be shared."),
    ("title", "required"): N_("Enter the post's title."),
    ("title", "too_long"): N_("The title must be 200 characters or fewer."),
    ("image_url", "not_https"): N_("Enter an image address that starts with https://, or "
                                   "leave it empty."),
    ("text", "too_long"): N_("The text must be 2000 characters or fewer."),
    ("share_text", "too_long"): N_("The suggested text must be 500 characters or fewer."),
    ("expires_on", "invalid"): N_("Enter a real date, like 2027-03-31, or leave it empty."),
    ("expires_on", "out_of_range"): N_("Enter a date within the next five years."),
    ("pin", "too_many"): N_("Three posts are pinned already: unpin one first."),
}
_INVALID = N_("This text contains characters that cannot be saved.")


def _typed(visit: Visit, *names: str) -> dict[str, str]:
    """The form's fields as typed: Visit.form cuts each at MAX_FIELD_CHARS, which would
    shorten a long text silently; the domain says "too long" instead. The body itself is
    bounded (pages.MAX_FORM_BYTES) and was parsed once already."""
    raw = parse_qs((visit.request.raw_body or b"").decode("utf-8", "replace"),
                   keep_blank_values=True, max_num_fields=50)
    return {name: (raw.get(name) or [""])[0] for name in names}


def _refusal(visit: Visit, refused: curate.InvalidPost) -> dict[str, str]:
    """Every refused input of the form, in its words."""
    return {wrong.field: visit.gettext(REFUSALS.get((wrong.field, wrong.reason), _INVALID))
            for wrong in refused.errors}


def _states(post, now: datetime, gone: set[str]) -> list[str]:  # noqa: ANN001 - a PostModel
    """Why a post is, or is not, in the news: the words the list and the page show."""
    states = []
    if post.pinned_at:
        states.append("pinned")
    if post.hidden:
        states.append("hidden")
    if post.expires_at and post.expires_at <= now:
        states.append("expired")
    if post.feed_id in gone:
        states.append("channel_deleted")
    return states


def _channel_names() -> dict[str, str]:
    return {f.feed_id: f.title or f.url for f in feed_store.list_feeds()}


@pages.route("/manage/posts")
def post_list(visit: Visit) -> Response:
    visit.admin()
    before = (visit.request.query_params or {}).get("before")
    found, cursor = posts.admin_page(PER_PAGE, before=before)
    now, gone = datetime.now(visit.settings.zone), feed_store.gone_feed_ids()
    return admin_page(visit, "admin/posts.html", "posts", done=DONE,
                      rows=[(p, _states(p, now, gone)) for p in found], next_cursor=cursor,
                      first_page=not before, channels=_channel_names())


@pages.route("/manage/posts/new", methods=("GET", "POST"))
def new_post(visit: Visit) -> Response:
    visit.admin()
    token = request_id(visit)
    if visit.request.method == "GET":
        return admin_page(visit, "admin/post_new.html", "posts", form={}, request_id=token)
    form = _typed(visit, "url", "title", "image_url", "text")
    try:
        post = curate.add_manual_post(form["url"], form["title"], form["text"],
                                      form["image_url"], request_id=token or None)
    except curate.InvalidPost as refused:
        return admin_page(visit, "admin/post_new.html", "posts", status=400, form=form,
                          errors=_refusal(visit, refused), request_id=token)
    raise Redirect(f"/manage/posts/{post.post_id}?done=added")


def _post(post_id: str):  # -> PostModel
    post = posts.get_post(post_id) if len(post_id) <= MAX_POST_ID_CHARS else None
    if post is None:
        raise PageError(404, N_("This post does not exist."))
    return post


def _edit(visit: Visit, post, status: int = 200, errors: dict | None = None,  # noqa: ANN001
          form: dict | None = None) -> Response:
    now = datetime.now(visit.settings.zone)
    last_day = curate.expiry_day(post.expires_at, visit.settings.zone)
    form = form or {"share_text": post.share_text or "",
                    "expires_on": last_day.isoformat() if last_day else ""}
    return admin_page(visit, "admin/post.html", "posts", done=DONE, status=status, post=post,
                      states=_states(post, now, feed_store.gone_feed_ids()),
                      channel=_channel_names().get(post.feed_id), errors=errors or {},
                      form=form, max_share=curate.MAX_SHARE_TEXT_CHARS,
                      disclosure=visit.disclosure)


@pages.route("/manage/posts/{post_id}", methods=("GET", "POST"))
def post_page(visit: Visit, post_id: str) -> Response:
    visit.admin()
    post = _post(post_id)
    if visit.request.method == "GET":
        return _edit(visit, post)
    form = _typed(visit, "share_text", "expires_on")
    try:
        curate.edit_post(post_id, share_text=form["share_text"], expires_on=form["expires_on"],
                         zone=visit.settings.zone)
    except curate.InvalidPost as refused:
        return _edit(visit, post, 400, _refusal(visit, refused), form)
    except posts.PostNotFound:
        raise PageError(404, N_("This post does not exist.")) from None
    raise Redirect(f"/manage/posts/{post_id}?done=saved")


@pages.route("/manage/posts/{post_id}/pin", methods=("POST",))
def pin(visit: Visit, post_id: str) -> Response:
    visit.admin()
    post = _post(post_id)
    try:
        if visit.field("pin") == "no":
            curate.unpin_post(post_id)
            done = "unpinned"
        else:
            curate.pin_post(post_id)
            done = "pinned"
    except curate.TooManyPins as refused:
        return _edit(visit, post, 409, _refusal(visit, refused))
    except posts.PostNotFound:
        raise PageError(404, N_("This post does not exist.")) from None
    raise Redirect(f"/manage/posts/{post_id}?done={done}")


@pages.route("/manage/posts/{post_id}/visibility", methods=("POST",))
def visibility(visit: Visit, post_id: str) -> Response:
    """Hiding is the crisis switch: the post leaves the news and its links stop earning
    (posts.hide_post). The button says so; showing it again undoes both."""
    visit.admin()
    _post(post_id)
    try:
        if visit.field("hidden") == "yes":
            posts.hide_post(post_id)
            done = "hidden"
        else:
            posts.unhide_post(post_id)
            done = "shown"
    except posts.PostNotFound:
        raise PageError(404, N_("This post does not exist.")) from None
    raise Redirect(f"/manage/posts/{post_id}?done={done}")

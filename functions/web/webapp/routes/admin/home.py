"""The admin's start page: what needs an admin now (redemptions to fulfil, failing
channels, running challenges), and where each part of the programme is run."""
from __future__ import annotations

from chalice import Blueprint, Response

from korpo.content import challenges
from korpo.feeds import channels
from korpo.feeds import store as feed_store
from korpo.months import utc_now
from korpo.shop import redemptions
from webapp.pages import Pages, Visit
from webapp.routes.admin.common import admin_page

blueprint = Blueprint(__name__)
pages = Pages(blueprint)

QUEUE_SHOWN = 100  # "100 or more" beyond: the queue's page says the rest


@pages.route("/manage")
def manage(visit: Visit) -> Response:
    visit.admin()
    failing = [feed for feed in feed_store.list_feeds()
               if channels.health(feed).state == channels.FAILING]
    return admin_page(visit, "admin/home.html", "home",
                      to_fulfil=len(redemptions.redemptions_by_status("requested",
                                                                      limit=QUEUE_SHOWN)),
                      queue_shown=QUEUE_SHOWN, failing=failing,
                      running=challenges.running(utc_now()))

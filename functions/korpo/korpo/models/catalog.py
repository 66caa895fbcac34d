"""The Catalog table: everything admins and employees curate. Key schema (pk, sk) + gsi1.

Access patterns
- Feed by id:                     GetItem pk=FEED#{id}, sk=FEED
- Feeds due for polling:          Query gsi1 gsi1pk=FEEDS, gsi1sk <= "{now iso}~" (ordered by
                                  next poll; a paused feed's gsi1sk is "~paused#{id}", after
                                  every instant, so it is never due)
- Post by id:                     GetItem pk=POST#{id}, sk=POST
- Newest posts:                   Query gsi1 gsi1pk=POSTS, descending (gsi1sk = "{published iso}#{id}")
- Deleted channels (news leaves their posts out): GetItem pk=FEEDS, sk=GONE (a set of ids)
- Pinned posts (news, top):       Query pk=PINS (sk = POST#{id}; a handful, korpo.content.curate.MAX_PINS)
- Share link by code (redirect):  GetItem pk=LINK#{code}, sk=LINK
- Share links of a post (hiding): Query gsi1 gsi1pk=LINKS#{post_id} (gsi1sk = code)
- An employee's link for a post:  GetItem pk=EMP#{employee}, sk=LINK#{post}#{network}[#{challenge}]
- Employee profile:               GetItem pk=EMP#{employee}, sk=PROFILE
- Every employee (admins' list, the weekly digest): Query gsi1 gsi1pk=EMPLOYEES (gsi1sk =
                                  "{display name lower case}#{employee}": alphabetical)
- Rewards / challenges:           Query gsi1 gsi1pk=REWARDS / CHALLENGES (challenges by start)
- Challenge by id:                GetItem pk=CHALLENGE#{id}, sk=CHALLENGE
- A "new challenge" form sent again: GetItem pk=CHALLENGE_REQUEST#{digest of its token}
- A URL challenge's own post:     GetItem pk=POST#challenge-{id}, sk=POST; its gsi1pk is
                                  CHALLENGE_POSTS, so the news and the posts lists never see it
- Teams:                          Query gsi1 gsi1pk=TEAMS (gsi1sk = name, lower case)
- Redemption by id:               GetItem pk=EMP#{employee}, sk=REDEMPTION#{token} (the id is
                                  "{employee}.{token}": korpo.shop.redemptions)
- An employee's redemptions:      Query pk=EMP#{employee}, sk begins_with REDEMPTION#
- Redemptions by status (admins): Query gsi1 gsi1pk=REDEMPTIONS#{status}, descending
- Redemptions of a reward by one employee (the limit): GetItem pk=EMP#{employee},
                                  sk=REDEEMED#{reward} (a counter the redeem transaction keeps)
- Deleted account (award_points pays nothing): BatchGet pk=EMP#{employee}, sk=DELETED
- Deactivated account, admin rights taken back, sessions ended (every signed-in page and
                                  API call, award_points with the tombstone): GetItem /
                                  BatchGet pk=EMP#{employee}, sk=ACCESS
- Accounts not signed in yet (admins' list): Query gsi1 gsi1pk=NEWCOMERS, descending
  (gsi1sk = "{since iso}#{id}"); one by id: GetItem pk=NEWCOMER#{id}, sk=NEWCOMER (the
  invitation trigger's read, the first sign-in's DeleteItem)
- Public account pages' hourly counters: UpdateItem pk=LIMIT#{address hash | emails},
  sk=HOUR#{yyyy-mm-ddThh}, ADD n conditioned on n < the limit (TTL delete_after)
- Brand settings (admin's edits): GetItem pk=SETTINGS, sk=BRAND (cached ~60 s per container)
- Scoring rules (admin's edits):  GetItem pk=RULES, sk=CURRENT (cached ~60 s by award_points)
- A programme e-mail sent once:   PutItem pk=EMP#{employee}, sk=MAIL#{digest#2026-W49 |
                                  challenge#{id}}, conditioned on its absence (before the send)
- Announcement of a challenge:    PutItem pk=ANNOUNCEMENT#challenge#{id}, sk=ANNOUNCEMENT
                                  (conditioned: announced once)
- Announcements owing e-mails:    Query gsi1 gsi1pk=ANNOUNCEMENTS#pending (sparse: removed
                                  once the e-mails are out)
- "You already have an account" e-mail sent lately (sign-up): PutItem pk=SIGNUP_NOTICE#{keyed
                                  hash of the address}, sk=NOTICE, conditioned on its absence
                                  or on `sent_at` being old enough
- A message owed outside (outbox): PutItem pk=OUTBOX#{message key}, sk=OUTBOX, conditioned
                                  on its absence; claimed and marked by conditional UpdateItem;
                                  the due ones: Query gsi1 gsi1pk=OUTBOX#pending, gsi1sk <=
                                  "{now iso}~" (sparse: removed once sent or given up)
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from korpo.models.base import BaseModel, KorpoMeta, sort_time


class Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class CatalogItem(BaseModel):
    class Meta(KorpoMeta):
        abstract = True
        table_name = "korpo-catalog"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class FeedModel(CatalogItem):
    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(default="FEEDS")
    gsi1sk = UnicodeAttribute()  # "{next_poll_at iso}#{feed_id}"
    feed_id = UnicodeAttribute()
    url = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    interval_minutes = NumberAttribute(default=15)
    etag = UnicodeAttribute(null=True)
    last_modified = UnicodeAttribute(null=True)
    next_poll_at = UTCDateTimeAttribute()
    last_success_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    consecutive_failures = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    last_polled_at = UTCDateTimeAttribute(null=True)
    last_status = NumberAttribute(null=True)  # HTTP status of the last poll; None: no answer
    site_url = UnicodeAttribute(null=True)  # the page an admin pasted, when discovery found the feed
    # Counts the admins' edits (settings, pause, resume). The poller's whole-item put is
    # conditioned on it, so an edit made during a poll is never overwritten (feeds/store.py).
    # None: a feed stored before versions existed, same as 0.
    version = NumberAttribute(null=True)
    paused = BooleanAttribute(default=False)  # never due while paused (see gsi1sk)
    # Team ids whose employees see the channel's posts in their news; None: everyone.
    audience = UnicodeSetAttribute(null=True)

    @staticmethod
    def key(feed_id: str) -> tuple[str, str]:
        return f"FEED#{feed_id}", "FEED"


class GoneFeedsModel(CatalogItem):
    """The ids of deleted channels, one item: their posts stay stored (shared links keep
    redirecting) but leave the news. Adding the channel again takes its id out."""

    class Meta(CatalogItem.Meta):
        abstract = False

    feed_ids = UnicodeSetAttribute(null=True)

    @staticmethod
    def key() -> tuple[str, str]:
        return "FEEDS", "GONE"


# gsi1 partition of the posts that feeds and admins put in the news, newest first (a
# challenge's own post lives in a partition of its own: korpo.content.challenges).
POSTS_PK = "POSTS"


class PostModel(CatalogItem):
    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(default=POSTS_PK)
    gsi1sk = UnicodeAttribute()  # "{published_at iso}#{post_id}"
    post_id = UnicodeAttribute()
    feed_id = UnicodeAttribute()
    title = UnicodeAttribute()
    summary_html = UnicodeAttribute(null=True)  # sanitised
    url = UnicodeAttribute()
    author = UnicodeAttribute(null=True)
    image_url = UnicodeAttribute(null=True)
    published_at = UTCDateTimeAttribute()
    first_seen_at = UTCDateTimeAttribute()
    content_hash = UnicodeAttribute()  # detects an entry that changed since the last poll
    hidden = BooleanAttribute(default=False)
    hidden_at = UTCDateTimeAttribute(null=True)  # when an admin hid it (None: visible)
    # What the share targets prefill instead of the title (the disclosure is still added).
    share_text = UnicodeAttribute(null=True)
    pinned_at = UTCDateTimeAttribute(null=True)  # mirrors its PinModel item (admin's list)
    # Leaves the news from then on; its share links keep redirecting and earning.
    expires_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def key(post_id: str) -> tuple[str, str]:
        return f"POST#{post_id}", "POST"


class PinModel(CatalogItem):
    """A post an admin pinned to the top of the news: one item per pin in the PINS partition,
    so the news reads the pins with one small Query (no index over every post)."""

    class Meta(CatalogItem.Meta):
        abstract = False

    post_id = UnicodeAttribute()
    pinned_at = UTCDateTimeAttribute()

    @staticmethod
    def key(post_id: str) -> tuple[str, str]:
        return "PINS", f"POST#{post_id}"


class LinkModel(CatalogItem):
    """A share link: the only thing track_click reads. The destination is stored, never sent."""

    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(null=True)  # "LINKS#{post_id}": found again when the post is hidden
    gsi1sk = UnicodeAttribute(null=True)  # the code
    code = UnicodeAttribute()
    employee_id = UnicodeAttribute()
    post_id = UnicodeAttribute()
    network = UnicodeAttribute()
    destination = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # Set on every link of a post an admin hid (posts.hide_post): such a link earns nothing.
    hidden = BooleanAttribute(default=False)
    # A link shared for a challenge: its clicks and conversions carry the challenge's id.
    challenge_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(code: str) -> tuple[str, str]:
        return f"LINK#{code}", "LINK"

    @staticmethod
    def post_index(post_id: str, code: str) -> dict[str, str]:
        """gsi1 attributes of a new link: links.get_or_create passes them at creation."""
        return {"gsi1pk": f"LINKS#{post_id}", "gsi1sk": code}


class LinkOwnerModel(CatalogItem):
    """(employee, post, network[, challenge]) -> code, so asking twice returns the same link."""

    class Meta(CatalogItem.Meta):
        abstract = False

    code = UnicodeAttribute()

    @staticmethod
    def key(employee_id: str, post_id: str, network: str,
            challenge_id: str | None = None) -> tuple[str, str]:
        suffix = f"#{challenge_id}" if challenge_id else ""
        return f"EMP#{employee_id}", f"LINK#{post_id}#{network}{suffix}"


class EmployeeModel(CatalogItem):
    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    # The directory (korpo.people.directory); None on a profile made before it existed, until
    # its owner's next visit (employees.ensure_profile files it).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    employee_id = UnicodeAttribute()
    email = UnicodeAttribute()  # personal data: never returned to other employees
    display_name = UnicodeAttribute()
    team = UnicodeAttribute(null=True)  # a team_id (TeamModel)
    created_at = UTCDateTimeAttribute()
    named_on_board = BooleanAttribute(default=True)  # False: others see a pseudonym
    language = UnicodeAttribute(null=True)  # en | fr: pages and e-mails; None: not chosen yet
    weekly_digest = BooleanAttribute(default=False)

    @staticmethod
    def key(employee_id: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", "PROFILE"

    @staticmethod
    def directory_index(employee_id: str, display_name: str) -> dict[str, str]:
        """gsi1 attributes filing a profile in the directory, by name."""
        return {"gsi1pk": "EMPLOYEES", "gsi1sk": f"{display_name.lower()[:80]}#{employee_id}"}


class DeletedEmployeeModel(CatalogItem):
    """The tombstone of a deleted account: the opaque id and when, nothing personal.
    award_points reads it with the batch's hidden posts and pays such an employee nothing."""

    class Meta(CatalogItem.Meta):
        abstract = False

    employee_id = UnicodeAttribute()
    deleted_at = UTCDateTimeAttribute()

    @staticmethod
    def key(employee_id: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", "DELETED"


class AccessModel(CatalogItem):
    """What changed about an employee's access, read on every signed-in page and API call
    (one GetItem) so that it takes effect at once, not at the session's next renewal: a
    deactivated account (award_points also pays it nothing, like a tombstone), when admin
    rights were last taken back (a session issued before that is no longer an admin's), and
    when every session was last ended (sign-out, deactivation, deletion: a session or token
    issued before that is no longer anyone's)."""

    class Meta(CatalogItem.Meta):
        abstract = False

    employee_id = UnicodeAttribute()
    deactivated = BooleanAttribute(default=False)
    deactivated_at = UTCDateTimeAttribute(null=True)
    admin_revoked_at = UTCDateTimeAttribute(null=True)
    sessions_valid_after = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)  # the admin's employee id

    @staticmethod
    def key(employee_id: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", "ACCESS"


# gsi1 partition of the accounts that exist in the user pool but have no profile yet.
NEWCOMERS_PK = "NEWCOMERS"


class NewcomerModel(CatalogItem):
    """An account made but not signed in yet (korpo.people.newcomers): invited by an admin
    (Cognito e-mailed a temporary password) or signed up on the open /signup page. Its first
    sign-in makes the profile and deletes this item; an admin may withdraw it."""

    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(default=NEWCOMERS_PK)
    gsi1sk = UnicodeAttribute()  # "{since iso}#{newcomer_id}": newest first, descending
    newcomer_id = UnicodeAttribute()  # derived from the e-mail (ids.stable_id)
    email = UnicodeAttribute()  # lower case, as the web app writes it
    kind = UnicodeAttribute()  # invited | signed_up
    since = UTCDateTimeAttribute()  # the invitation's last sending, or the sign-up
    language = UnicodeAttribute(null=True)  # the invitation's: en | fr
    # The address the invitation names (the host the admin used, or PublicBaseUrl): the
    # CustomMessage trigger cannot know the API's own address (the pool would depend on it).
    sign_in_url = UnicodeAttribute(null=True)
    invited_by = UnicodeAttribute(null=True)  # the admin's employee id (or "make-admin")
    employee_id = UnicodeAttribute(null=True)  # the Cognito sub, once the account exists
    times_sent = NumberAttribute(default=1)

    @staticmethod
    def key(newcomer_id: str) -> tuple[str, str]:
        return f"NEWCOMER#{newcomer_id}", "NEWCOMER"


class BrandModel(CatalogItem):
    """The brand's look and words as an admin set them in the browser (korpo.brand); an
    absent attribute keeps the template's Parameter."""

    class Meta(CatalogItem.Meta):
        abstract = False

    points_name = UnicodeAttribute(null=True)
    disclosure_line = UnicodeAttribute(null=True)
    disclosure_line_fr = UnicodeAttribute(null=True)  # the French pages' line
    language = UnicodeAttribute(null=True)  # "en" or "fr": Slack, Teams, e-mails' fallback
    brand_colour = UnicodeAttribute(null=True)
    logo_url = UnicodeAttribute(null=True)
    human_click_value = UnicodeAttribute(null=True)  # a decimal, as text (exact)
    currency = UnicodeAttribute(null=True)  # ISO 4217
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)

    @staticmethod
    def key() -> tuple[str, str]:
        return "SETTINGS", "BRAND"


class TeamModel(CatalogItem):
    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(default="TEAMS")
    gsi1sk = UnicodeAttribute()  # "{name lower case}#{team_id}": alphabetical
    team_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def key(team_id: str) -> tuple[str, str]:
        return f"TEAM#{team_id}", "TEAM"


class RedemptionModel(CatalogItem):
    """One redemption, in the employee's partition (their list is one consistent Query);
    gsi1 files it under its status for the admins' queue."""

    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute()  # "REDEMPTIONS#{status}"
    gsi1sk = UnicodeAttribute()  # "{requested_at iso}#{redemption_id}"
    redemption_id = UnicodeAttribute()
    employee_id = UnicodeAttribute()
    reward_id = UnicodeAttribute()
    reward_title = UnicodeAttribute()
    cost = NumberAttribute()
    stocked = BooleanAttribute(default=False)  # the reward had a stock: a cancel puts one back
    status = UnicodeAttribute()  # requested | fulfilled | cancelled
    requested_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    message = UnicodeAttribute(null=True)  # the admin's word (a gift card code, a date…)
    cancelled_by = UnicodeAttribute(null=True)

    @staticmethod
    def key(employee_id: str, token: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", f"REDEMPTION#{token}"


class RewardModel(CatalogItem):
    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(default="REWARDS")
    gsi1sk = UnicodeAttribute()  # "{cost:010d}#{reward_id}": cheapest first
    reward_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    cost = NumberAttribute()
    stock = NumberAttribute(null=True)  # None: unlimited
    kind = UnicodeAttribute(default="company")  # gift_card | company | charity
    per_employee_limit = NumberAttribute(null=True)  # None: no limit
    retired = BooleanAttribute(default=False)  # no longer offered; its redemptions stay

    @staticmethod
    def key(reward_id: str) -> tuple[str, str]:
        return f"REWARD#{reward_id}", "REWARD"

    @classmethod
    def create(cls, reward_id: str, title: str, cost: int, **attributes) -> RewardModel:
        """A reward with its keys derived (not yet saved)."""
        return cls(*cls.key(reward_id), gsi1sk=f"{cost:010d}#{reward_id}",
                   reward_id=reward_id, title=title, cost=cost, **attributes)


class ChallengeTerms(MapAttribute):
    """Terms a running challenge had until an admin changed them (korpo.content.challenges)."""
    until = UTCDateTimeAttribute()
    multiplier = NumberAttribute()
    bonus = NumberAttribute()


class ChallengeModel(CatalogItem):
    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(default="CHALLENGES")
    gsi1sk = UnicodeAttribute()  # "{starts_at iso}#{challenge_id}"
    challenge_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    multiplier = NumberAttribute(default=1)
    bonus = NumberAttribute(null=True)  # points added to each earning event of the challenge
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    kind = UnicodeAttribute(null=True)  # campaign | product_launch | job_referral
    # What employees share for it: a post of the news, or a destination URL (shared through a
    # post of its own, kept out of the news). Neither (older challenges): any post.
    post_id = UnicodeAttribute(null=True)
    destination = UnicodeAttribute(null=True)
    goal = UnicodeAttribute(null=True)  # human_clicks | conversions
    goal_type = UnicodeAttribute(null=True)  # the conversion type of a conversions goal
    goal_target = NumberAttribute(null=True)
    earlier_terms = ListAttribute(of=ChallengeTerms, null=True)
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)  # an admin ended it (ends_at is then that time)
    version = VersionAttribute()  # two admins editing at once: the second is told, not lost

    @staticmethod
    def key(challenge_id: str) -> tuple[str, str]:
        return f"CHALLENGE#{challenge_id}", "CHALLENGE"

    @staticmethod
    def own_post_id(challenge_id: str) -> str:
        """The post through which a destination-URL challenge is shared."""
        return f"challenge-{challenge_id}"

    @property
    def share_post_id(self) -> str | None:
        """The post employees share for it; None: they pick any post."""
        if self.post_id:
            return self.post_id
        return self.own_post_id(self.challenge_id) if self.destination else None

    @classmethod
    def create(cls, challenge_id: str, title: str, starts_at: datetime, ends_at: datetime,
               **attributes) -> ChallengeModel:
        """A challenge with its keys derived (not yet saved)."""
        return cls(*cls.key(challenge_id), gsi1sk=f"{sort_time(starts_at)}#{challenge_id}",
                   challenge_id=challenge_id, title=title, starts_at=starts_at,
                   ends_at=ends_at, **attributes)


class ChallengeRequestModel(CatalogItem):
    """The token of an admin's "new challenge" form, written in the transaction that made
    the challenge: the form sent again (Back, then send) finds it and makes no other. (Other
    create forms derive their new item's id from the token; a challenge's id starts with its
    title, which the admin may have changed before sending again.)"""

    class Meta(CatalogItem.Meta):
        abstract = False

    challenge_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return f"CHALLENGE_REQUEST#{digest}", "CHALLENGE_REQUEST"


class SentMailModel(CatalogItem):
    """One programme e-mail claimed for one employee (korpo.announcements.mailing): written
    before the send, conditioned on its absence, so a schedule firing twice or a retried run
    sends it once. Names nothing personal: the opaque id and which e-mail."""

    class Meta(CatalogItem.Meta):
        abstract = False

    employee_id = UnicodeAttribute()
    mail = UnicodeAttribute()  # "digest#2026-W49", "challenge#{challenge_id}"
    claimed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(employee_id: str, mail: str) -> tuple[str, str]:
        return f"EMP#{employee_id}", f"MAIL#{mail}"


class AnnouncementModel(CatalogItem):
    """A new challenge as it was announced (korpo.announcements.challenges): the webhooks are
    posted by the request that made it; the e-mails by send_digest's run, which finds it
    on gsi1 while `gsi1pk` is set (removed when the e-mails are out)."""

    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(null=True)  # "ANNOUNCEMENTS#pending" while e-mails are owed
    gsi1sk = UnicodeAttribute(null=True)  # "{created_at iso}#{announcement_id}"
    announcement_id = UnicodeAttribute()  # "challenge#{challenge_id}"
    challenge_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # the challenge's kind (campaign, product_launch…)
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    link = UnicodeAttribute()  # "{public base}/news?challenge={id}"
    created_at = UTCDateTimeAttribute()
    webhooks = UnicodeAttribute(null=True)  # JSON {"slack": "posted", "teams": "failed"}
    emails_sent = NumberAttribute(default=0)
    runs = NumberAttribute(default=0)  # e-mail runs so far (a failed send is retried twice)
    done_at = UTCDateTimeAttribute(null=True)

    PENDING = "ANNOUNCEMENTS#pending"

    @staticmethod
    def key(announcement_id: str) -> tuple[str, str]:
        return f"ANNOUNCEMENT#{announcement_id}", "ANNOUNCEMENT"


class SignupNoticeModel(CatalogItem):
    """When an address that has an account last got the "you already have an account" e-mail
    (korpo.people.existing_account): at most one per interval. The address is kept only as a
    keyed hash; one item per account that was ever signed up for again."""

    class Meta(CatalogItem.Meta):
        abstract = False

    sent_at = UTCDateTimeAttribute()

    @staticmethod
    def key(address_hash: str) -> tuple[str, str]:
        return f"SIGNUP_NOTICE#{address_hash}", "NOTICE"


class OutboxModel(CatalogItem):
    """A message owed outside, written before its first try (korpo.outbox): an e-mail through
    SES, a Slack or Teams post. Its key names the message (a redemption's e-mail to one
    address, a month's winners on Slack), so the same message is never owed twice; it waits
    on gsi1 (`OUTBOX#pending`, by next try) until it is sent or given up on."""

    class Meta(CatalogItem.Meta):
        abstract = False

    gsi1 = Gsi1()
    gsi1pk = UnicodeAttribute(null=True)  # "OUTBOX#pending" while owed
    gsi1sk = UnicodeAttribute(null=True)  # "{next try iso}#{message key}"
    message_key = UnicodeAttribute()
    channel = UnicodeAttribute()  # email | slack | teams
    payload = UnicodeAttribute()  # JSON: {"to", "subject", "body"} or a webhook message
    status = UnicodeAttribute()  # pending | sending | sent | failed | unknown
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    lease_until = UTCDateTimeAttribute(null=True)  # while sending
    sent_at = UTCDateTimeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)  # the error's class or HTTP status, no address
    delete_after = NumberAttribute(null=True)  # the Catalog's TTL: 90 days after it is sent

    PENDING = "OUTBOX#pending"

    @staticmethod
    def key(message_key: str) -> tuple[str, str]:
        return f"OUTBOX#{message_key}", "OUTBOX"


class RulesModel(CatalogItem):
    """The brand's scoring rules as an admin stored them (JSON of korpo.scoring.rules.Rules
    fields); absent fields keep the template's defaults."""

    class Meta(CatalogItem.Meta):
        abstract = False

    rules = UnicodeAttribute()  # JSON object
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)

    @staticmethod
    def key() -> tuple[str, str]:
        return "RULES", "CURRENT"

"""Configuration read once per cold start from the environment the template sets."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    brand_name: str = "Korpo Demo"
    points_name: str = "korpos"
    time_zone: str = "Europe/Paris"
    points_per_click: int = 10
    # Scoring defaults (template Parameters); an admin's stored rules win over them.
    points_per_share_intent: int = 0
    conversion_points: str = "*=0"  # "signup=50,lead=100,*=20"
    signup_bonus: int = 0
    daily_cap_per_employee: int = 0
    daily_caps_per_type: str = ""  # "click=300,share_intent=50"
    pixel_conversions_earn: bool = True
    # reset_monthly's announcement
    sender_email: str = ""
    user_pool_id: str = ""
    admin_group: str = "admins"
    award_failure_queue_url: str = ""
    # track_click: secrets from NoEcho template parameters (never in code), the fallback queue
    visitor_secret: str = field(default="", repr=False)
    conversion_secret: str = field(default="", repr=False)
    click_fallback_queue_url: str = ""
    public_base_url: str = ""
    allowed_email_domains: tuple[str, ...] = field(default_factory=tuple)
    # The web app: Cognito's public client, who may frame it, the line every share text ends with
    user_pool_client_id: str = ""
    frame_ancestors: str = ""  # "https://intranet.example.com" (space separated); empty: none
    disclosure_line: str = "#employee"
    # No Parameter for these two: an admin sets them in the browser (korpo.brand).
    disclosure_line_fr: str = ""  # empty: disclosure_line, or "#collaborateur" for the default
    language: str = "en"  # the brand's: Slack and Teams, e-mails to who chose no language
    brand_colour: str = "#1d4ed8"
    logo_url: str = ""
    # The earned-media figure: what one human click is worth (0: not set). No Parameter: an
    # admin sets it in the browser (korpo.brand overlays it with the four above).
    human_click_value: Decimal = Decimal("0")
    currency: str = "EUR"
    # Announcements (korpo.announcements): incoming webhooks (secrets: NoEcho parameters, empty
    # when not configured) and the web app's address for links in e-mails sent by a schedule.
    slack_webhook_url: str = field(default="", repr=False)
    teams_webhook_url: str = field(default="", repr=False)
    web_base_url: str = ""
    catalog_table: str = "korpo-catalog"
    events_table: str = "korpo-events"
    scores_table: str = "korpo-scores"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _domains(raw: str) -> tuple[str, ...]:
    return tuple(d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip())


def from_env(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        stage=env.get("KORPO_STAGE", "dev"),
        brand_name=env.get("KORPO_BRAND_NAME", "Korpo Demo"),
        points_name=env.get("KORPO_POINTS_NAME", "korpos"),
        time_zone=env.get("KORPO_TIME_ZONE", "Europe/Paris"),
        points_per_click=int(env.get("KORPO_POINTS_PER_CLICK", "10")),
        points_per_share_intent=int(env.get("KORPO_POINTS_PER_SHARE_INTENT", "0")),
        conversion_points=env.get("KORPO_CONVERSION_POINTS", "*=0"),
        signup_bonus=int(env.get("KORPO_SIGNUP_BONUS", "0")),
        daily_cap_per_employee=int(env.get("KORPO_DAILY_CAP_PER_EMPLOYEE", "0")),
        daily_caps_per_type=env.get("KORPO_DAILY_CAPS_PER_TYPE", ""),
        pixel_conversions_earn=env.get("KORPO_PIXEL_CONVERSIONS_EARN", "true").lower() == "true",
        sender_email=env.get("KORPO_SENDER_EMAIL", ""),
        user_pool_id=env.get("KORPO_USER_POOL_ID", ""),
        award_failure_queue_url=env.get("KORPO_AWARD_FAILURE_QUEUE_URL", ""),
        visitor_secret=env.get("KORPO_VISITOR_SECRET", ""),
        conversion_secret=env.get("KORPO_CONVERSION_SECRET", ""),
        click_fallback_queue_url=env.get("KORPO_CLICK_FALLBACK_QUEUE_URL", ""),
        public_base_url=env.get("KORPO_PUBLIC_BASE_URL", "").rstrip("/"),
        allowed_email_domains=_domains(env.get("KORPO_ALLOWED_EMAIL_DOMAINS", "")),
        user_pool_client_id=env.get("KORPO_USER_POOL_CLIENT_ID", ""),
        frame_ancestors=" ".join(env.get("KORPO_FRAME_ANCESTORS", "").replace(",", " ").split()),
        disclosure_line=env.get("KORPO_DISCLOSURE_LINE", "#employee").strip() or "#employee",
        brand_colour=env.get("KORPO_BRAND_COLOUR", "#1d4ed8"),
        logo_url=env.get("KORPO_LOGO_URL", ""),
        human_click_value=Decimal(env.get("KORPO_HUMAN_CLICK_VALUE", "0") or "0"),
        currency=env.get("KORPO_CURRENCY", "EUR") or "EUR",
        slack_webhook_url=env.get("KORPO_SLACK_WEBHOOK_URL", "").strip(),
        teams_webhook_url=env.get("KORPO_TEAMS_WEBHOOK_URL", "").strip(),
        web_base_url=(env.get("KORPO_WEB_BASE_URL", "")
                      or env.get("KORPO_PUBLIC_BASE_URL", "")).rstrip("/"),
        catalog_table=env.get("KORPO_CATALOG_TABLE", "korpo-catalog"),
        events_table=env.get("KORPO_EVENTS_TABLE", "korpo-events"),
        scores_table=env.get("KORPO_SCORES_TABLE", "korpo-scores"),
    )


@lru_cache(maxsize=1)
def current() -> Settings:
    """The process's settings; tests and the local stack call `current.cache_clear()`."""
    return from_env()

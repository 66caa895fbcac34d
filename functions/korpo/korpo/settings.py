"""Configuration read once per cold start from the environment the template sets.

The secrets are not in that environment: it names where they are (KORPO_SECRETS_PATH), and
korpo.secrets reads each from SSM Parameter Store on its first use, once per container.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from korpo import secrets


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
    # track_click: the fallback queue
    click_fallback_queue_url: str = ""
    public_base_url: str = ""
    # Share links' base (api, web): PublicBaseUrl, else the public edge's function URL; empty
    # with the HTTP API as the edge (the host the request came to serves /l/ too).
    link_base_url: str = ""
    allowed_email_domains: tuple[str, ...] = field(default_factory=tuple)
    # The web app: Cognito's public client, who may frame it, the line every share text ends with
    user_pool_client_id: str = ""
    # Who makes accounts: "invite" (admins only; also when the variable is missing: the safe
    # side) or "open" (/signup, within account_emails_per_hour and a few codes per address).
    sign_up: str = "invite"
    account_emails_per_hour: int = 30
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
    # Announcements (korpo.announcements): the web app's address for links in e-mails sent by a
    # schedule (the webhooks are secrets, below).
    web_base_url: str = ""
    catalog_table: str = "korpo-catalog"
    events_table: str = "korpo-events"
    scores_table: str = "korpo-scores"
    # The stack's secrets: read from SSM under KORPO_SECRETS_PATH on first use (the store is
    # shared by every copy of these settings, so each secret is read once per container).
    secret_store: secrets.SecretStore = field(default_factory=secrets.SecretStore, repr=False,
                                              compare=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def sign_up_open(self) -> bool:
        return self.sign_up == "open"

    # The secrets, as values ("" when not set). Each property reads on first use: raising
    # korpo.secrets.MissingSecret for a required one the deployment lacks, SecretUnavailable
    # when SSM does not answer.
    @property
    def visitor_secret(self) -> str:
        """Keys the daily visitor hash, and (derived keys) the web session, the self-click
        cookie, the board pseudonyms and the e-mails' unsubscribe tokens."""
        return self.secret_store.get(secrets.VISITOR_HASH) or ""

    @property
    def conversion_secret(self) -> str:
        """The brand's server signs POST /conversions with it."""
        return self.secret_store.get(secrets.CONVERSION) or ""

    @property
    def slack_webhook_url(self) -> str:
        """Empty: no Slack."""
        return (self.secret_store.get(secrets.SLACK_WEBHOOK) or "").strip()

    @property
    def teams_webhook_url(self) -> str:
        """Empty: no Teams."""
        return (self.secret_store.get(secrets.TEAMS_WEBHOOK) or "").strip()


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
        click_fallback_queue_url=env.get("KORPO_CLICK_FALLBACK_QUEUE_URL", ""),
        public_base_url=env.get("KORPO_PUBLIC_BASE_URL", "").rstrip("/"),
        link_base_url=(env.get("KORPO_LINK_BASE_URL", "")
                       or env.get("KORPO_PUBLIC_BASE_URL", "")).rstrip("/"),
        allowed_email_domains=_domains(env.get("KORPO_ALLOWED_EMAIL_DOMAINS", "")),
        user_pool_client_id=env.get("KORPO_USER_POOL_CLIENT_ID", ""),
        sign_up="open" if env.get("KORPO_SIGN_UP", "").strip().lower() == "open" else "invite",
        account_emails_per_hour=int(env.get("KORPO_ACCOUNT_EMAILS_PER_HOUR", "30") or "30"),
        frame_ancestors=" ".join(env.get("KORPO_FRAME_ANCESTORS", "").replace(",", " ").split()),
        disclosure_line=env.get("KORPO_DISCLOSURE_LINE", "#employee").strip() or "#employee",
        brand_colour=env.get("KORPO_BRAND_COLOUR", "#1d4ed8"),
        logo_url=env.get("KORPO_LOGO_URL", ""),
        human_click_value=Decimal(env.get("KORPO_HUMAN_CLICK_VALUE", "0") or "0"),
        currency=env.get("KORPO_CURRENCY", "EUR") or "EUR",
        web_base_url=(env.get("KORPO_WEB_BASE_URL", "")
                      or env.get("KORPO_PUBLIC_BASE_URL", "")).rstrip("/"),
        catalog_table=env.get("KORPO_CATALOG_TABLE", "korpo-catalog"),
        events_table=env.get("KORPO_EVENTS_TABLE", "korpo-events"),
        scores_table=env.get("KORPO_SCORES_TABLE", "korpo-scores"),
        # A path, never a value: no variable of the environment carries a secret.
        secret_store=secrets.SecretStore(env.get("KORPO_SECRETS_PATH", "")),
    )


@lru_cache(maxsize=1)
def current() -> Settings:
    """The process's settings; tests and the local stack call `current.cache_clear()`."""
    return from_env()

"""Configuration read once per cold start from the environment the template sets."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    brand_name: str = "Korpo Demo"
    points_name: str = "korpos"
    time_zone: str = "Europe/Paris"
    points_per_click: int = 10
    public_base_url: str = ""
    allowed_email_domains: tuple[str, ...] = field(default_factory=tuple)
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
        public_base_url=env.get("KORPO_PUBLIC_BASE_URL", "").rstrip("/"),
        allowed_email_domains=_domains(env.get("KORPO_ALLOWED_EMAIL_DOMAINS", "")),
        catalog_table=env.get("KORPO_CATALOG_TABLE", "korpo-catalog"),
        events_table=env.get("KORPO_EVENTS_TABLE", "korpo-events"),
        scores_table=env.get("KORPO_SCORES_TABLE", "korpo-scores"),
    )


@lru_cache(maxsize=1)
def current() -> Settings:
    """The process's settings; tests and the local stack call `current.cache_clear()`."""
    return from_env()

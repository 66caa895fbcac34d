"""Seed the demo brand: its feeds, employees who can sign in, rewards and a challenge.

Employee profiles are not written here: the api creates one on an employee's first call,
as in production; only the Cognito users exist beforehand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

DEMO_PASSWORD = "korpo-demo-1"  # meets the template's policy: 10+ chars, lower case, digit


@dataclass(frozen=True)
class DemoEmployee:
    local_part: str
    name: str
    admin: bool = False
    password: str = DEMO_PASSWORD

    def email(self, domain: str) -> str:
        return f"{self.local_part}@{domain}"


DEMO_EMPLOYEES = (
    DemoEmployee("ann", "Ann Lee", admin=True),
    DemoEmployee("bob", "Bob Durand"),
    DemoEmployee("chloe", "Chloé Martin"),
)

# (reward id, title, description, kind, cost, stock or None for unlimited, per-employee limit)
DEMO_REWARDS = (
    ("charity-10", "€10 to a charity of your choice", "We give, you choose where.", "charity",
     200, None, None),
    ("coffee-with-ceo", "Coffee with the CEO", "Thirty minutes, your questions.", "company",
     500, 1, 1),
    ("gift-card-25", "€25 gift card", "For the bookshop around the corner.", "gift_card",
     1000, 20, 2),
)
DEMO_TEAMS = ("Engineering", "Marketing", "Sales")


@dataclass
class DemoData:
    domain: str
    logins: list[tuple[str, str, bool]] = field(default_factory=list)  # (email, password, admin)
    feed_ids: list[str] = field(default_factory=list)
    reward_ids: list[str] = field(default_factory=list)
    challenge_ids: list[str] = field(default_factory=list)


def create_users(cognito: Any, pool_id: str, domain: str,
                 employees: tuple[DemoEmployee, ...] = DEMO_EMPLOYEES,
                 admin_group: str = "admins") -> list[tuple[str, str, bool]]:
    """Cognito users with a permanent password (no invitation email, no forced change)."""
    logins = []
    for employee in employees:
        email = employee.email(domain)
        cognito.admin_create_user(
            UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email},
                            {"Name": "email_verified", "Value": "true"},
                            {"Name": "name", "Value": employee.name}])
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=email,
                                        Password=employee.password, Permanent=True)
        if employee.admin:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email,
                                            GroupName=admin_group)
        logins.append((email, employee.password, employee.admin))
    return logins


def create_catalog(now: datetime | None = None) -> tuple[list[str], list[str]]:
    """Rewards (one of each kind, one with a single item left), teams, and one running
    challenge. Returns (reward ids, challenge ids)."""
    from korpo.models import ChallengeModel
    from korpo.people.teams import create_team
    from korpo.shop.rewards import create_reward

    now = now or datetime.now(timezone.utc)
    rewards = []
    for reward_id, title, description, kind, cost, stock, limit in DEMO_REWARDS:
        create_reward(reward_id, title, cost, description=description, kind=kind,
                      stock=stock, per_employee_limit=limit)
        rewards.append(reward_id)
    for name in DEMO_TEAMS:
        create_team(name)
    challenge_id = "launch-week-3-0"
    starts = (now - timedelta(days=1)).replace(microsecond=0)
    ChallengeModel.create(challenge_id, "Launch week: share Korpo Demo 3.0", starts,
                          starts + timedelta(days=7), multiplier=2,
                          description="Every click on a 3.0 post counts double this week.",
                          kind="product_launch", goal="human_clicks", goal_target=50,
                          created_at=now).save()
    return rewards, [challenge_id]


def add_feeds(feed_urls: dict[str, str]) -> list[str]:
    """The demo site's feeds, registered through the domain (due at once)."""
    from korpo.feeds import store

    titles = {"blog.xml": "Korpo Demo Blog", "videos.xml": "Korpo Demo on video"}
    return [store.add_feed(url, title=titles.get(name)).feed_id
            for name, url in feed_urls.items()]


def seed(cognito: Any, pool_id: str, domain: str, feed_urls: dict[str, str],
         admin_group: str = "admins") -> DemoData:
    data = DemoData(domain=domain)
    data.logins = create_users(cognito, pool_id, domain, admin_group=admin_group)
    data.feed_ids = add_feeds(feed_urls)
    data.reward_ids, data.challenge_ids = create_catalog()
    return data


def sign_in(cognito: Any, client_id: str, email: str, password: str = DEMO_PASSWORD) -> dict:
    """USER_PASSWORD_AUTH against the user pool: {"IdToken", "AccessToken", ...}."""
    answer = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": password})
    return answer["AuthenticationResult"]

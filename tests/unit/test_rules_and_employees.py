from datetime import datetime, timezone

import pytest

from korpo.people.employees import Identity, default_display_name
from korpo.people.signup import EmailDomainNotAllowed, check_signup_email
from korpo.scoring.rules import Award, Rules, ScoredEvent, award_for

AT = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("klass,expected", [("human", Award(10, "human_click")), ("bot", None),
                                            ("unverified", None), ("repeat", None),
                                            ("self", None)])
def test_only_human_clicks_earn(klass, expected):
    assert award_for(ScoredEvent("e", "click", klass, "emp", AT), Rules(10)) == expected


def test_zero_points_rule_awards_nothing():
    assert award_for(ScoredEvent("e", "click", "human", "emp", AT), Rules(0)) is None


@pytest.mark.parametrize("email", ["ann@example.com", "Ann@EXAMPLE.com"])
def test_allowed_domain_passes(email):
    check_signup_email(email, ["example.com"])


@pytest.mark.parametrize("email", ["ann@gmail.com", "ann@example.com.evil.io", "ann", "",
                                   "ann@sub.example.com"])
def test_other_domains_are_refused(email):
    with pytest.raises(EmailDomainNotAllowed):
        check_signup_email(email, ["example.com"])


def test_display_name_defaults_to_the_email_local_part():
    assert default_display_name(Identity("id", "ann.lee@example.com")) == "Ann Lee"
    assert default_display_name(Identity("id", "x@example.com", name="Ann L.")) == "Ann L."

"""cognito_triggers: the user pool's PreSignUp trigger refuses addresses outside the brand's
work-e-mail domains (AllowedEmailDomains).

A function of its own, not the api's: it needs no AWS permission beyond its logs, and the
pool naming it as a trigger no longer stops the api from naming the pool (its ARN in the
api's role, its id in the api's environment: docs/decisions.md). It imports no AWS SDK and
no table model, so it starts fast on the smallest memory (Cognito waits 5 s for a trigger).

Console: the PreSignUp event (events/cognito_triggers/pre_sign_up.json) comes back as it
came for an allowed address; for another, the error Cognito shows the person.
"""
from __future__ import annotations

from korpo import settings
from korpo.people.signup import EmailDomainNotAllowed, check_signup_email


def pre_sign_up(event: dict) -> dict:
    email = ((event.get("request") or {}).get("userAttributes") or {}).get("email", "")
    try:
        check_signup_email(email, settings.current().allowed_email_domains)
    except EmailDomainNotAllowed as error:
        raise Exception(str(error)) from None  # Cognito shows this message to the person
    return event


def handler(event: dict, context) -> dict:  # noqa: ANN001 - Lambda's context
    source = event.get("triggerSource", "") if isinstance(event, dict) else ""
    if source.startswith("PreSignUp_"):
        return pre_sign_up(event)
    raise ValueError(f"not a trigger this function answers: {source or type(event).__name__}")

"""cognito_triggers: the user pool's Lambda triggers, one handler dispatching on the event's
`triggerSource` (the work is in korpo/).

- PreSignUp_*: refuses addresses outside the brand's work-e-mail domains (AllowedEmailDomains).
- CustomMessage_AdminCreateUser: the invitation e-mail, in the language the admin chose for
  the employee (korpo.people.invitations.invitation_message). Every other CustomMessage_*
  (sign-up codes, password resets) is left as Cognito writes it.

A function of its own, not the api's: the pool naming it as a trigger no longer stops the
api from naming the pool (docs/decisions.md). The PreSignUp check imports no AWS SDK and no
table model, so it starts fast (Cognito waits 5 s for a trigger); an invitation loads the
models on first use. A trigger source this function does not know is answered unchanged:
Cognito then does what it would do without the trigger.

Console: events/cognito_triggers/ (a PreSignUp event, invitations in French and English).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable

from korpo import settings
from korpo.people.signup import EmailDomainNotAllowed, check_signup_email

logger = logging.getLogger("cognito_triggers")


def pre_sign_up(event: dict[str, Any]) -> dict[str, Any]:
    email = ((event.get("request") or {}).get("userAttributes") or {}).get("email", "")
    try:
        check_signup_email(email, settings.current().allowed_email_domains)
    except EmailDomainNotAllowed as error:
        raise Exception(str(error)) from None  # Cognito shows this message to the person
    return event


@functools.lru_cache(maxsize=1)
def _invitations() -> Any:
    """The invitations' module, its tables bound: loaded by the first invitation only."""
    from korpo.models import bind_tables
    from korpo.people import invitations

    bind_tables(settings.current())
    return invitations


def custom_message(event: dict[str, Any]) -> dict[str, Any]:
    if event.get("triggerSource") != "CustomMessage_AdminCreateUser":
        return event
    request = event.get("request") or {}
    subject, body = _invitations().invitation_message(
        request.get("userAttributes") or {},
        username_placeholder=request.get("usernameParameter") or "{username}",
        code_placeholder=request.get("codeParameter") or "{####}")
    event.setdefault("response", {}).update(emailSubject=subject, emailMessage=body)
    logger.info("invitation written (language %s)",
                (request.get("userAttributes") or {}).get("locale"))
    return event


# By the start of triggerSource: each trigger of the pool names its own handler here.
TRIGGERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "PreSignUp_": pre_sign_up,
    "CustomMessage_": custom_message,
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    source = str(event.get("triggerSource", "")) if isinstance(event, dict) else ""
    for prefix, answer in TRIGGERS.items():
        if source.startswith(prefix):
            return answer(event)
    logger.warning("a trigger this function does not answer: %s", source[:80])
    return event

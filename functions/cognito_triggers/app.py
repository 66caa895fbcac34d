"""cognito_triggers: the user pool's Lambda triggers, one handler dispatching on the event's
`triggerSource` (the work is in korpo/).

- CustomMessage_AdminCreateUser: the invitation e-mail, in the language the admin chose for
  the employee (korpo.people.invitations.invitation_message).
- Every other CustomMessage_* (sign-up codes, password resets): left as Cognito writes it.

A trigger source this function does not know is answered unchanged: Cognito then does what
it would do without the trigger.
"""
from __future__ import annotations

from typing import Any, Callable

from aws_lambda_powertools import Logger

from korpo import settings
from korpo.models import bind_tables
from korpo.people import invitations

logger = Logger(service="cognito_triggers")
bind_tables(settings.current())


def custom_message(event: dict[str, Any]) -> dict[str, Any]:
    if event.get("triggerSource") != "CustomMessage_AdminCreateUser":
        return event
    request = event.get("request") or {}
    subject, body = invitations.invitation_message(
        request.get("userAttributes") or {},
        username_placeholder=request.get("usernameParameter") or "{username}",
        code_placeholder=request.get("codeParameter") or "{####}")
    event.setdefault("response", {}).update(emailSubject=subject, emailMessage=body)
    logger.info("invitation written", extra={
        "language": (request.get("userAttributes") or {}).get("locale")})
    return event


# By the start of triggerSource: each trigger of the pool names its own handler here.
TRIGGERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "CustomMessage_": custom_message,
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    source = str(event.get("triggerSource", ""))
    for prefix, answer in TRIGGERS.items():
        if source.startswith(prefix):
            return answer(event)
    logger.warning("a trigger this function does not answer", extra={"source": source[:80]})
    return event

"""What Cognito does around a user pool that moto does not, played here for the local stack
and the tests (moto 5.2's cognitoidp backend, in this process):

- AdminCreateUser: Cognito makes the temporary password when none is given and e-mails the
  invitation, through the pool's CustomMessage trigger when it has one (it passes the
  placeholders `{username}` and `{####}`, then fills them in). moto stores the user without
  a password (nobody could sign in) and sends nothing. Here the password is made, the
  template's trigger function is called with the event Cognito sends, and the e-mail goes
  to an outbox: `GET /_local/emails` lists it, the console prints it.
- AdminCreateUser with MessageAction RESEND: Cognito sends the invitation again with a new
  temporary password, only to a user who has not chosen their own
  (UnsupportedUserStateException otherwise); moto makes a second user.
- AllowAdminCreateUserOnly (template: SignUp=invite): Cognito refuses SignUp
  (NotAuthorizedException "SignUp is not permitted for this user pool."); moto takes it.

Only the pools added to a stand-in are concerned; the methods are moto's again once it is
uninstalled. What is still not played: the PreSignUp trigger (its rule is unit-tested), and
Cognito's 50 e-mails a day.
"""
from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

# Cognito's own sender when the pool has no SES identity (EmailSendingAccount COGNITO_DEFAULT).
COGNITO_SENDER = "no-reply@verificationemail.com"
USERNAME_PLACEHOLDER, CODE_PLACEHOLDER = "{username}", "{####}"

Trigger = Callable[[dict[str, Any]], dict[str, Any]]


def temporary_password() -> str:
    """As Cognito makes one: random, and within the pool's policy (letters of both cases,
    digits: the template asks lower case and digits, at least 10 characters)."""
    rng = secrets.SystemRandom()
    chars = ([rng.choice(string.ascii_lowercase) for _ in range(6)]
             + [rng.choice(string.digits) for _ in range(3)]
             + [rng.choice(string.ascii_uppercase) for _ in range(3)])
    rng.shuffle(chars)
    return "".join(chars)


@dataclass
class _Pool:
    trigger: Trigger | None
    sender: str
    region: str


@dataclass
class CognitoStandIn:
    """install() patches moto's backend for the pools added; uninstall() puts it back."""
    log: Callable[[str], None] = print
    outbox: list[dict[str, Any]] = field(default_factory=list)
    _pools: dict[str, _Pool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _saved: dict[str, Any] = field(default_factory=dict)

    def add_pool(self, pool_id: str, trigger: Trigger | None = None,
                 sender: str | None = None, region: str = "eu-west-1") -> None:
        self._pools[pool_id] = _Pool(trigger, sender or COGNITO_SENDER, region)

    def emails(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.outbox)

    # ------------------------------------------------------------------ patching moto
    def install(self) -> CognitoStandIn:
        from moto.cognitoidp.models import CognitoIdpBackend

        if self._saved:
            return self
        stand_in = self
        create, sign_up = CognitoIdpBackend.admin_create_user, CognitoIdpBackend.sign_up
        self._saved = {"admin_create_user": create, "sign_up": sign_up}

        def admin_create_user(backend: Any, user_pool_id: str, username: str,
                              message_action: str, temporary: str,
                              attributes: list[dict[str, str]]) -> Any:
            if user_pool_id not in stand_in._pools:
                return create(backend, user_pool_id, username, message_action, temporary,
                              attributes)
            return stand_in._admin_create_user(create, backend, user_pool_id, username,
                                               message_action, temporary, attributes)

        def refusing_sign_up(backend: Any, client_id: str, username: str, password: str,
                             attributes: list[dict[str, str]]) -> Any:
            stand_in._check_sign_up(backend, client_id)
            return sign_up(backend, client_id, username, password, attributes)

        CognitoIdpBackend.admin_create_user = admin_create_user
        CognitoIdpBackend.sign_up = refusing_sign_up
        return self

    def uninstall(self) -> None:
        if not self._saved:
            return
        from moto.cognitoidp.models import CognitoIdpBackend

        for name, method in self._saved.items():
            setattr(CognitoIdpBackend, name, method)
        self._saved = {}

    def __enter__(self) -> CognitoStandIn:
        return self.install()

    def __exit__(self, *exc: Any) -> None:
        self.uninstall()

    # ------------------------------------------------------------------ what Cognito does
    def _check_sign_up(self, backend: Any, client_id: str) -> None:
        from moto.cognitoidp.exceptions import NotAuthorizedError

        for pool_id in self._pools:
            pool = backend.user_pools.get(pool_id)
            if pool is not None and client_id in pool.clients and (
                    pool.extended_config.get("AdminCreateUserConfig") or {}).get(
                    "AllowAdminCreateUserOnly"):
                raise NotAuthorizedError("SignUp is not permitted for this user pool.")

    def _admin_create_user(self, create: Callable[..., Any], backend: Any, pool_id: str,
                           username: str, message_action: str | None, temporary: str | None,
                           attributes: list[dict[str, str]]) -> Any:
        from moto.cognitoidp.models import UserStatus
        from moto.core.exceptions import JsonRESTError

        if message_action == "RESEND":
            user = backend.admin_get_user(pool_id, username)
            if user.status != UserStatus.FORCE_CHANGE_PASSWORD:
                raise JsonRESTError("UnsupportedUserStateException",
                                    f"Resend not possible. {user.username} status is "
                                    f"{user.status.value}.")
            user.password = temporary or temporary_password()
        else:
            user = create(backend, pool_id, username, message_action,
                          temporary or temporary_password(), attributes)
        if message_action != "SUPPRESS":
            self._send_invitation(backend, pool_id, user)
        return user

    def _send_invitation(self, backend: Any, pool_id: str, user: Any) -> None:
        from moto.core.exceptions import JsonRESTError

        pool, spec = backend.user_pools[pool_id], self._pools[pool_id]
        attributes = {a["Name"]: a["Value"] for a in user.attributes}
        event = {
            "version": "1", "region": spec.region, "userPoolId": pool_id,
            "userName": user.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                              "clientId": "CLIENT_ID_NOT_APPLICABLE"},
            "triggerSource": "CustomMessage_AdminCreateUser",
            "request": {"userAttributes": {**attributes,
                                           "cognito:user_status": "FORCE_CHANGE_PASSWORD"},
                        "codeParameter": CODE_PLACEHOLDER,
                        "usernameParameter": USERNAME_PLACEHOLDER, "clientMetadata": {}},
            "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
        }
        default = ((pool.extended_config.get("AdminCreateUserConfig") or {}).get(
            "InviteMessageTemplate") or {})
        if spec.trigger is not None:
            try:
                answer = (spec.trigger(event) or {}).get("response") or {}
            except Exception as error:  # noqa: BLE001 - as Cognito reports a failed trigger
                raise JsonRESTError("UserLambdaValidationException",
                                    f"CustomMessage failed with error {error}.") from None
        else:
            answer = {}
        subject = answer.get("emailSubject") or default.get("EmailSubject") or \
            "Your temporary password"
        message = answer.get("emailMessage") or default.get("EmailMessage") or \
            f"Your username is {USERNAME_PLACEHOLDER} and temporary password is " \
            f"{CODE_PLACEHOLDER}."
        if USERNAME_PLACEHOLDER not in message or CODE_PLACEHOLDER not in message:
            # Cognito requires both in an invitation written by the trigger.
            raise JsonRESTError("InvalidLambdaResponseException",
                                "The invitation must hold {username} and {####}.")
        body = message.replace(USERNAME_PLACEHOLDER, user.username).replace(
            CODE_PLACEHOLDER, user.password)
        sent = {"id": f"cognito-{len(self.outbox) + 1}", "from": spec.sender,
                "to": [attributes.get("email", "")], "subject": subject, "body": body,
                "via": "cognito", "temporary_password": user.password,
                "sent_at": time.time()}
        with self._lock:
            self.outbox.append(sent)
        self.log(f"[cognito] invitation to {sent['to'][0]}: {subject!r}, temporary password "
                 f"{user.password} (GET /_local/emails shows it)")

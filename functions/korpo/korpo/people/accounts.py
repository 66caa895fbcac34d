"""Employee accounts in the Cognito user pool, through its public API (the web app's sign-in).

The browser never talks to Cognito: the web function calls these on its behalf, so tokens never
reach a page's JavaScript (docs/decisions.md, "Web sign-in"). Every Cognito error a person can
cause is turned into an `AccountError` whose `code` the web layer translates; anything else
(throttling aside) is a bug and propagates.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from korpo import aws

logger = logging.getLogger(__name__)

# Cognito's error codes, as a person can cause them, to the codes the web layer explains.
_ERRORS = {
    # Never shown: the sign-up page answers the same as for a new address, and the address
    # is e-mailed instead (korpo.people.existing_account).
    "UsernameExistsException": "account_exists",
    "InvalidPasswordException": "weak_password",
    "CodeMismatchException": "wrong_code",
    "ExpiredCodeException": "expired_code",
    "NotAuthorizedException": "wrong_credentials",
    "UserNotFoundException": "wrong_credentials",  # never say which of the two was wrong
    "UserNotConfirmedException": "not_confirmed",
    "LimitExceededException": "too_many_attempts",
    "TooManyRequestsException": "too_many_attempts",
    "TooManyFailedAttemptsException": "too_many_attempts",
    "CodeDeliveryFailureException": "code_not_sent",
    "InvalidParameterException": "invalid_input",
    "UserLambdaValidationException": "domain_not_allowed",  # the PreSignUp trigger refused it
    # Threat protection (the ThreatProtection parameter) found the password in a leak: the
    # account must choose a new one before it signs in again.
    "PasswordResetRequiredException": "reset_required",
}


class AccountError(Exception):
    """Something the person can fix; `code` names it (see _ERRORS)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class SignedIn:
    """What a sign-in or a refresh yields: who it is, and the token that renews it."""
    employee_id: str  # the user's sub: every ledger and board item is keyed by it
    email: str
    name: str | None
    is_admin: bool
    refresh_token: str  # empty for the session a confirmation opens (it is not renewed)


class NewPasswordRequired(AccountError):
    """The password was an invitation's temporary one: the person must choose their own
    (Cognito's NEW_PASSWORD_REQUIRED challenge). `session` answers it, within minutes."""

    def __init__(self, session: str) -> None:
        super().__init__("new_password_required")
        self.session = session


# NotAuthorizedException says more than "wrong password" in these cases (Cognito's messages).
_NOT_AUTHORIZED = (
    ("Temporary password has expired", "invitation_expired"),
    ("Invalid session", "session_expired"),
    ("session is expired", "session_expired"),
    ("SignUp is not permitted", "sign_up_closed"),
)


def _call(operation: str, **params: Any) -> dict[str, Any]:
    try:
        return getattr(aws.client("cognito-idp"), operation)(**params)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code == "NotAuthorizedException":
            for words, meaning in _NOT_AUTHORIZED:
                if words.lower() in message.lower():
                    raise AccountError(meaning, message) from None
        if code in _ERRORS:
            raise AccountError(_ERRORS[code], message) from None
        raise


def sign_up(client_id: str, email: str, password: str) -> str:
    """Creates the (unconfirmed) user; Cognito e-mails the confirmation code. Returns the
    user's sub (the employee id its tokens will carry)."""
    answer = _call("sign_up", ClientId=client_id, Username=email, Password=password,
                   UserAttributes=[{"Name": "email", "Value": email}])
    return str(answer["UserSub"])


def confirm_sign_up(client_id: str, email: str, code: str) -> None:
    _call("confirm_sign_up", ClientId=client_id, Username=email, ConfirmationCode=code)


def resend_code(client_id: str, email: str) -> None:
    _call("resend_confirmation_code", ClientId=client_id, Username=email)


def sign_in(client_id: str, email: str, password: str) -> SignedIn:
    answer = _call("initiate_auth", ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                   AuthParameters={"USERNAME": email, "PASSWORD": password})
    result = answer.get("AuthenticationResult")
    if not result:
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED" and answer.get("Session"):
            raise NewPasswordRequired(answer["Session"])
        raise AccountError("challenge", answer.get("ChallengeName", ""))  # MFA: not set up
    return _signed_in(result["IdToken"], result["RefreshToken"])


def choose_password(client_id: str, email: str, session: str, new_password: str) -> SignedIn:
    """An invited employee's own password, in answer to NEW_PASSWORD_REQUIRED: signed in."""
    try:
        answer = _call("respond_to_auth_challenge", ClientId=client_id,
                       ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
                       ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password})
    except ClientError as error:
        # Cognito answers an expired or unknown session NotAuthorizedException (above);
        # moto answers ResourceNotFoundException.
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise AccountError("session_expired") from None
        raise
    result = answer.get("AuthenticationResult")
    if not result:
        raise AccountError("challenge", answer.get("ChallengeName", ""))
    return _signed_in(result["IdToken"], result["RefreshToken"])


def refresh(client_id: str, refresh_token: str) -> SignedIn:
    """A fresh identity from the refresh token: fails once the user is deleted or disabled."""
    answer = _call("initiate_auth", ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                   AuthParameters={"REFRESH_TOKEN": refresh_token})
    result = answer.get("AuthenticationResult") or {}
    if "IdToken" not in result:
        raise AccountError("wrong_credentials")
    return _signed_in(result["IdToken"], result.get("RefreshToken") or refresh_token)


def forgot_password(client_id: str, email: str) -> None:
    _call("forgot_password", ClientId=client_id, Username=email)


def reset_password(client_id: str, email: str, code: str, new_password: str) -> None:
    _call("confirm_forgot_password", ClientId=client_id, Username=email,
          ConfirmationCode=code, Password=new_password)


def sign_out(client_id: str, refresh_token: str) -> None:
    """Revokes this browser's refresh token (and the tokens it issued). Best effort: the
    cookies go anyway, and signing out must never fail for the person (moto, for one, does not
    implement RevokeToken)."""
    try:
        _call("revoke_token", ClientId=client_id, Token=refresh_token)
    except Exception:  # noqa: BLE001 - logged, never shown
        logger.warning("the refresh token could not be revoked", exc_info=True)


def _signed_in(id_token: str, refresh_token: str) -> SignedIn:
    claims = id_token_claims(id_token)
    groups = claims.get("cognito:groups") or []
    return SignedIn(employee_id=claims["sub"], email=claims["email"], name=claims.get("name"),
                    is_admin="admins" in groups, refresh_token=refresh_token)


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The claims of an id token Cognito has just handed us over TLS, in answer to our own call.

    Its signature is not checked here: the token comes straight from Cognito's API, never from
    the browser (a token from a request must go through the gateway's JWT authorizer instead).
    """
    try:
        payload = id_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error) as error:
        raise AccountError("wrong_credentials", "unreadable id token") from error

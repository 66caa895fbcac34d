"""What Cognito does and moto 5.2's Cognito does not, added to moto's own classes: for the
local stack (moto's server runs in its process) and for the tests' in-process moto alike.

Each answer follows the Cognito API Reference (docs.aws.amazon.com/cognito-user-identity-pools/
latest/APIReference/): the action's page for its errors, and "Managing user existence error
responses" for what a client with `PreventUserExistenceErrors: ENABLED` (the template's
`UserPoolClient`) answers about an unknown user.

- ResendConfirmationCode: moto has no such action (it answered 500). A user waiting for
  confirmation gets a new code (kept on the user; moto accepts any code anyway); an unknown
  one UserNotFoundException, or, with existence errors prevented, the same answer as a known
  one; a confirmed one InvalidParameterException ("User is already confirmed.").
- RevokeToken: moto has no such action. The refresh token stops working (as moto's own
  global sign-out makes it); an unknown token is no error (Cognito answers 200).
- ConfirmForgotPassword for an address no user has: moto raised ResourceNotFoundException
  (a 500 for the page); Cognito answers UserNotFoundException, or CodeMismatchException with
  existence errors prevented.
- REFRESH_TOKEN_AUTH for a deleted or disabled user: moto crashed (it reads the deleted user's
  attributes) or renewed the disabled user's tokens; Cognito answers NotAuthorizedException.
"""
from __future__ import annotations

from typing import Any

_INSTALLED = False


def install() -> None:
    """Add the stand-ins to moto's Cognito (once per process; harmless again)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.cognitoidp import models, responses
    from moto.cognitoidp.exceptions import (
        CodeMismatchException,
        InvalidParameterException,
        NotAuthorizedError,
        ResourceNotFoundError,
        UserNotFoundError,
    )
    from moto.core.responses import ActionResult, EmptyResult

    def _pools() -> Any:
        """Every user pool of every account and region moto holds."""
        for regions in models.cognitoidp_backends.values():
            for region, backend in regions.items():
                if region != "global":
                    yield from backend.user_pools.values()

    def _pool_and_client(client_id: str) -> tuple[Any, Any]:
        for pool in _pools():
            if client_id in pool.clients:
                return pool, pool.clients[client_id]
        raise ResourceNotFoundError(client_id)

    def _hides_users(client: Any) -> bool:
        return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"

    def _delivery(pool: Any, username: str, user: Any) -> dict[str, Any]:
        email = next((a["Value"] for a in (user.attributes if user else [])
                      if a["Name"] == "email"), username)
        name, _, domain = email.partition("@")
        return {"CodeDeliveryDetails": {"Destination": f"{name[:1]}***@{domain[:1]}***",
                                        "DeliveryMedium": "EMAIL", "AttributeName": "email"}}

    def resend_confirmation_code(self: Any) -> Any:
        client_id, username = self._get_param("ClientId"), self._get_param("Username")
        pool, client = _pool_and_client(client_id)
        user = pool._get_user(username)
        if user is None:
            if _hides_users(client):
                return ActionResult(_delivery(pool, username, None))
            raise UserNotFoundError("Username/client id combination not found.")
        if user.status != models.UserStatus.UNCONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        user.confirmation_code = None  # moto takes any code; a new one replaces the old
        return ActionResult(_delivery(pool, username, user))

    def revoke_token(self: Any) -> Any:
        token = self._get_param("Token")
        _pool_and_client(self._get_param("ClientId"))  # an unknown client is an error
        for pool in _pools():
            if token in pool.refresh_tokens:
                pool.refresh_tokens[token] = None
        return EmptyResult()

    confirm_forgot_password = models.CognitoIdpBackend.confirm_forgot_password

    def checked_confirm_forgot_password(self: Any, client_id: str, username: str,
                                        password: str, confirmation_code: str) -> None:
        pool, client = _pool_and_client(client_id)
        if pool._get_user(username) is None:
            if _hides_users(client):
                raise CodeMismatchException("Invalid verification code provided, please try "
                                            "again.")
            raise UserNotFoundError("Username/client id combination not found.")
        confirm_forgot_password(self, client_id, username, password, confirmation_code)

    refresh = models.CognitoIdpUserPool.create_tokens_from_refresh_token

    def checked_refresh(self: Any, refresh_token: str) -> tuple[str, str, int]:
        found = self.refresh_tokens.get(refresh_token)
        if found is not None:
            user = self._get_user(found[1])
            if user is None:
                raise NotAuthorizedError("User does not exist.")
            if not user.enabled:
                raise NotAuthorizedError("User is disabled.")
        return refresh(self, refresh_token)

    responses.CognitoIdpResponse.resend_confirmation_code = resend_confirmation_code
    responses.CognitoIdpResponse.revoke_token = revoke_token
    models.CognitoIdpBackend.confirm_forgot_password = checked_confirm_forgot_password
    models.CognitoIdpUserPool.create_tokens_from_refresh_token = checked_refresh
    _INSTALLED = True

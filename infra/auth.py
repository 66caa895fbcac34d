"""The HttpApi JWT authorizer, played locally: verify the bearer token as API Gateway would.

What API Gateway does for a route with a JWT authorizer (HTTP APIs, developer guide "Control
access to HTTP APIs with JWT authorizers"), and so what this does:
1. Read the identity source ($request.header.Authorization). The value may be the bare
   token or "Bearer <token>". Missing or empty: 401.
2. Decode it; check the signature with the issuer's JWKS key named by `kid`. Only RSA
   algorithms are accepted.
3. Check the claims: `iss` equals the configured issuer exactly; `aud`, or `client_id` when
   there is no `aud` (Cognito access tokens), is one of the configured audiences; `exp` is in
   the future; `nbf` and `iat`, when present, are not. Route scopes, when a route declares
   AuthorizationScopes, must meet the token's `scope`/`scp` (403 otherwise).
Any failure is a 401 with the body {"message":"Unauthorized"}; the function never runs.

The issuer of a Cognito token is https://cognito-idp.<region>.amazonaws.com/<pool id>, and
moto's tokens carry exactly that `iss`; but the keys are served by moto at
<moto url>/<pool id>/.well-known/jwks.json, so the JWKS URL is configured separately from
the issuer (in AWS it is the issuer's /.well-known/jwks.json).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import jwt
from jwt import PyJWKClient

RSA_ALGORITHMS = ["RS256", "RS384", "RS512"]


class Unauthorized(Exception):
    """401 {"message":"Unauthorized"}."""


class Forbidden(Exception):
    """403 {"message":"Forbidden"}: a valid token without a scope the route requires."""


def token_from_header(value: str | None) -> str:
    """The token of an Authorization header: "Bearer <jwt>" or the bare "<jwt>"."""
    value = (value or "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    if not value:
        raise Unauthorized("no token")
    return value


def stringify_claim(value: Any) -> str:
    """A claim value as HTTP APIs pass it to a Lambda integration.

    API Gateway's JWT authorizer hands every claim to the integration as a string, for
    payload 1.0 (requestContext.authorizer.claims) as for 2.0 (authorizer.jwt.claims):
    numbers become their digits ("exp": "1612061676"), booleans "true"/"false", and an
    array becomes its items in brackets, separated by spaces, not commas: Cognito's
    ["admins", "editors"] arrives as "[admins editors]" (reported by users and matched by
    API Gateway emulators; the format is Go's, which also gives "map[k:v]" for objects).
    Handlers must therefore parse "[admins]", and a group name with a space is ambiguous.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + " ".join(stringify_claim(item) for item in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{stringify_claim(v)}"
                                 for k, v in sorted(value.items())) + "]"
    return str(value)


@dataclass
class JwtAuthorizer:
    """One JwtConfiguration: issuer, audiences, and where to fetch the keys."""
    issuer: str
    audiences: list[str]
    jwks_url: str
    clock: Callable[[], float] = time.time
    leeway_s: int = 0  # API Gateway allows no clock skew that it documents

    def __post_init__(self) -> None:
        # Keys cached for 2 hours, as API Gateway caches the issuer's public keys.
        self._jwks = PyJWKClient(self.jwks_url, cache_keys=True, lifespan=7200, timeout=5)

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims, raw (typed as in the token); raises Unauthorized."""
        token = token_from_header(authorization)
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in RSA_ALGORITHMS:
                raise Unauthorized(f"algorithm {header.get('alg')!r} is not RSA")
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key.key, algorithms=RSA_ALGORITHMS, issuer=self.issuer,
                leeway=self.leeway_s,
                # Audience is checked below (aud or client_id); time claims against our clock.
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False, "require": ["iss", "exp"]})
        except Unauthorized:
            raise
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            raise Unauthorized(str(error)) from None
        now = self.clock()
        try:
            if float(claims["exp"]) <= now - self.leeway_s:
                raise Unauthorized("expired")
            for name in ("nbf", "iat"):
                if name in claims and float(claims[name]) > now + self.leeway_s:
                    raise Unauthorized(f"{name} is in the future")
        except (TypeError, ValueError):
            raise Unauthorized("malformed time claim") from None
        if "aud" in claims:
            audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        else:
            audience = [claims["client_id"]] if "client_id" in claims else []
        if not set(audience) & set(self.audiences):
            raise Unauthorized("audience not accepted")
        return claims

    def authorize(self, authorization: str | None,
                  route_scopes: list[str] | None = None) -> dict[str, Any]:
        """requestContext.authorizer for payload 1.0: {"claims": {...str}, "scopes": ...}.

        `scopes` is null unless the route declares AuthorizationScopes (then: the token's
        scopes); a real v1.0 event from a JWT route without scopes shows "scopes": null.
        """
        claims = self.verify(authorization)
        scopes = None
        if route_scopes:
            raw = claims.get("scope", claims.get("scp", ""))
            granted = raw.split() if isinstance(raw, str) else list(raw or [])
            if not set(granted) & set(route_scopes):
                raise Forbidden("missing scope")
            scopes = granted
        return {"claims": {k: stringify_claim(v) for k, v in claims.items()}, "scopes": scopes}


def jwks_url_for(moto_url: str, issuer: str) -> str:
    """moto serves a pool's keys at <moto>/<pool id>/.well-known/jwks.json."""
    pool_id = issuer.rstrip("/").rsplit("/", 1)[-1]
    return f"{moto_url.rstrip('/')}/{pool_id}/.well-known/jwks.json"

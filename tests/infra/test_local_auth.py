"""The local JWT authorizer accepts what the HttpApi authorizer accepts, and nothing else."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from infra.auth import (
    Forbidden, JwtAuthorizer, Unauthorized, jwks_url_for, stringify_claim, token_from_header,
)

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Local"
CLIENT = "client-abc"
NOW = 1_800_000_000


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


GOOD_KEY = _key()
OTHER_KEY = _key()


@pytest.fixture(scope="module")
def jwks_url():
    """A JWKS endpoint on 127.0.0.1 holding GOOD_KEY's public half under kid "dummy"."""
    jwk = json.loads(RSAAlgorithm.to_jwk(GOOD_KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "dummy", "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/eu-west-1_Local/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
def authorizer(jwks_url):
    return JwtAuthorizer(issuer=ISSUER, audiences=[CLIENT], jwks_url=jwks_url,
                         clock=lambda: NOW)


def id_token(key=GOOD_KEY, kid="dummy", alg="RS256", **overrides):
    claims = {"sub": "u-1", "email": "ann@example.com", "aud": CLIENT, "iss": ISSUER,
              "token_use": "id", "iat": NOW - 60, "auth_time": NOW - 60, "exp": NOW + 3600,
              "cognito:groups": ["admins"], "email_verified": True}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def access_token(**overrides):
    claims = {"sub": "u-1", "client_id": CLIENT, "iss": ISSUER, "token_use": "access",
              "scope": "aws.cognito.signin.user.admin", "iat": NOW - 60, "exp": NOW + 3600,
              "username": "u-1"}
    claims.update(overrides)
    return jwt.encode(claims, GOOD_KEY, algorithm="RS256", headers={"kid": "dummy"})


def test_a_valid_id_token_gives_stringified_claims_and_null_scopes(authorizer):
    context = authorizer.authorize(f"Bearer {id_token()}")
    claims = context["claims"]
    assert context["scopes"] is None
    assert claims["sub"] == "u-1" and claims["aud"] == CLIENT
    # As API Gateway passes them: numbers and booleans as strings, arrays as "[a b]".
    assert claims["exp"] == str(NOW + 3600)
    assert claims["email_verified"] == "true"
    assert claims["cognito:groups"] == "[admins]"
    assert all(isinstance(v, str) for v in claims.values())


def test_the_raw_token_without_bearer_is_accepted_too(authorizer):
    assert authorizer.authorize(id_token())["claims"]["sub"] == "u-1"


def test_an_access_token_is_checked_on_client_id(authorizer):
    assert authorizer.authorize(f"Bearer {access_token()}")["claims"]["token_use"] == "access"
    with pytest.raises(Unauthorized):
        authorizer.authorize(f"Bearer {access_token(client_id='someone-else')}")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"])
def test_a_missing_or_malformed_header_is_refused(authorizer, header):
    with pytest.raises(Unauthorized):
        authorizer.authorize(header)


@pytest.mark.parametrize("token", [
    pytest.param(lambda: id_token(exp=NOW - 1), id="expired"),
    pytest.param(lambda: id_token(exp=NOW), id="expires-now"),
    pytest.param(lambda: id_token(aud="another-client"), id="wrong-audience"),
    pytest.param(lambda: id_token(aud=None), id="no-audience"),
    pytest.param(lambda: id_token(iss="https://cognito-idp.eu-west-1.amazonaws.com/other"),
                 id="wrong-issuer"),
    pytest.param(lambda: id_token(iss=ISSUER + "/"), id="issuer-not-exact"),
    pytest.param(lambda: id_token(key=OTHER_KEY), id="bad-signature"),
    pytest.param(lambda: id_token(kid="unknown"), id="unknown-kid"),
    pytest.param(lambda: id_token(nbf=NOW + 600), id="not-yet-valid"),
    pytest.param(lambda: id_token(iat=NOW + 600), id="issued-in-the-future"),
    pytest.param(lambda: id_token(exp=None), id="no-exp"),
    pytest.param(lambda: id_token()[:-4] + "AAAA", id="tampered"),
    pytest.param(lambda: jwt.encode({"sub": "u-1", "aud": CLIENT, "iss": ISSUER,
                                     "exp": NOW + 60}, "s" * 32, algorithm="HS256",
                                    headers={"kid": "dummy"}), id="hmac-not-rsa"),
    pytest.param(lambda: "not.a.jwt", id="garbage"),
])
def test_invalid_tokens_are_refused(authorizer, token):
    with pytest.raises(Unauthorized):
        authorizer.authorize(f"Bearer {token()}")


def test_route_scopes_need_one_of_the_token_scopes(authorizer):
    context = authorizer.authorize(f"Bearer {access_token()}",
                                   ["aws.cognito.signin.user.admin"])
    assert context["scopes"] == ["aws.cognito.signin.user.admin"]
    with pytest.raises(Forbidden):
        authorizer.authorize(f"Bearer {access_token()}", ["orders/write"])


def test_claim_stringification_follows_api_gateway():
    assert stringify_claim(["admins", "editors"]) == "[admins editors]"
    assert stringify_claim([]) == "[]"
    assert stringify_claim(1612061676) == "1612061676"
    assert stringify_claim(False) == "false"
    assert stringify_claim({"b": 1, "a": "x"}) == "map[a:x b:1]"


def test_helpers():
    assert token_from_header("bearer abc") == "abc"
    assert jwks_url_for("http://127.0.0.1:5000/", ISSUER) == (
        "http://127.0.0.1:5000/eu-west-1_Local/.well-known/jwks.json")

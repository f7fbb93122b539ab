"""OIDC pieces that need no provider: the role map, and ID-token verification refusing
forged, replayed, foreign or expired tokens."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from core_monitor.auth.oidc import OidcClient, OidcError, parse_role_map, role_from_claims
from core_monitor.domain.auth import Role
from core_monitor.errors import ConfigurationError
from core_monitor.settings import Settings

ISSUER = "https://idp.example"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1"})


def test_role_map_parses_and_the_highest_mapped_value_wins() -> None:
    mapping = parse_role_map("admins=admin, ops=operator,*=viewer")
    assert role_from_claims({"groups": ["ops", "admins"]}, "groups", mapping) == Role.ADMIN
    assert role_from_claims({"groups": "ops"}, "groups", mapping) == Role.OPERATOR
    assert role_from_claims({}, "groups", mapping) == Role.VIEWER  # '*': anyone signed in
    assert role_from_claims({"groups": ["x"]}, "groups", parse_role_map("ops=operator")) is None
    with pytest.raises(ConfigurationError):
        parse_role_map("admins=root")
    with pytest.raises(ConfigurationError):
        parse_role_map("admins")


def client() -> OidcClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                },
            )
        return httpx.Response(200, json={"keys": [KEY.as_dict(private=False)]})

    settings = Settings(oidc_issuer=ISSUER, oidc_client_id="core-monitor")
    return OidcClient(settings, httpx.Client(transport=httpx.MockTransport(answer)))


def id_token(key: RSAKey = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "core-monitor",
        "sub": "u1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        **overrides,
    }
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def test_a_genuine_id_token_verifies() -> None:
    assert client()._verify(id_token(), "n-1")["sub"] == "u1"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (lambda: id_token(OTHER), "signed with another key"),
        (lambda: id_token(nonce="n-2"), "another login's nonce"),
        (lambda: id_token(aud="someone-else"), "issued for another client"),
        (lambda: id_token(iss="https://evil.example"), "from another issuer"),
        (lambda: id_token(exp=int(time.time()) - 3600), "expired"),
    ],
)
def test_a_bad_id_token_is_refused(token: Any, why: str) -> None:
    with pytest.raises(OidcError):
        client()._verify(token(), "n-1")


def test_the_authorization_url_carries_pkce_state_and_nonce() -> None:
    flow = client().start("https://coremon.example/api/v1/auth/oidc/callback")
    assert flow.url.startswith(f"{ISSUER}/authorize?")
    assert "code_challenge_method=S256" in flow.url and f"state={flow.state}" in flow.url
    assert flow.code_verifier not in flow.url  # only its S256 challenge travels

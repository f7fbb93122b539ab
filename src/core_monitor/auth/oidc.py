"""OpenID Connect single sign-on: authorization code flow with PKCE (S256), nonce and state.

The provider is found by discovery (``<issuer>/.well-known/openid-configuration``); the ID
token is verified against the provider's JWKS (signature, issuer, audience, expiry, nonce).
A claim (a string or a list) is mapped to a role by COREMON_OIDC_ROLE_MAP.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core_monitor.domain.auth import Role, higher
from core_monitor.errors import ConfigurationError, LoginFailed
from core_monitor.settings import Settings

METADATA_TTL = 600.0
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
ANY = "*"


class OidcError(LoginFailed):
    title = "Single sign-on failed"


def parse_role_map(text: str) -> dict[str, Role]:
    """'admins=admin,ops=operator,*=viewer' → {'admins': ADMIN, …}."""
    mapping: dict[str, Role] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        value, sep, role = pair.rpartition("=")
        if not sep or not value.strip():
            raise ConfigurationError(f"COREMON_OIDC_ROLE_MAP: {pair!r} is not value=role")
        try:
            mapping[value.strip()] = Role(role.strip())
        except ValueError:
            raise ConfigurationError(
                f"COREMON_OIDC_ROLE_MAP: {role.strip()!r} is not viewer, operator or admin"
            ) from None
    return mapping


def role_from_claims(claims: dict[str, Any], claim: str, mapping: dict[str, Role]) -> Role | None:
    """The highest role any value of ``claim`` maps to (``*`` maps any signed-in user)."""
    raw = claims.get(claim)
    values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
    role = mapping.get(ANY)
    for value in values:
        role = higher(role, mapping.get(str(value)))
    return role


@dataclass(frozen=True)
class Flow:
    """What the callback needs, kept server-side under the state."""

    state: str
    code_verifier: str
    nonce: str
    redirect_uri: str
    url: str  # where the browser goes


class OidcClient:
    def __init__(self, settings: Settings, http: httpx.Client | None = None) -> None:
        if not settings.oidc_issuer or not settings.oidc_client_id:
            raise ConfigurationError("COREMON_OIDC_ISSUER and COREMON_OIDC_CLIENT_ID go together")
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        secret = settings.oidc_client_secret
        self.client_secret = secret.get_secret_value() if secret else None
        self.scopes = settings.oidc_scopes
        self.http = http or httpx.Client(timeout=10)
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < METADATA_TTL:
                return self._metadata[1]
        found = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        if str(found.get("issuer", "")).rstrip("/") != self.issuer:
            raise OidcError(f"the provider says its issuer is {found.get('issuer')!r}")
        with self._lock:
            self._metadata = (time.monotonic(), found)
        return found

    def start(self, redirect_uri: str) -> Flow:
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        url = f"{self.metadata()['authorization_endpoint']}?{urlencode(query)}"
        return Flow(state, verifier, nonce, redirect_uri, url)

    def finish(self, code: str, verifier: str, nonce: str, redirect_uri: str) -> dict[str, Any]:
        """Exchange the code, verify the ID token; the claims (with userinfo's, if any)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.client_id,
        }
        try:
            endpoint = self.metadata()["token_endpoint"]
            if self.client_secret:  # client_secret_basic, the default every provider takes
                auth = (self.client_id, self.client_secret)
                response = self.http.post(endpoint, data=form, auth=auth)
            else:
                response = self.http.post(endpoint, data=form)
        except httpx.HTTPError as exc:
            raise OidcError(f"the provider's token endpoint did not answer: {exc}") from None
        if response.status_code != 200:
            raise OidcError(f"the provider refused the code ({response.status_code})")
        tokens = response.json()
        if "id_token" not in tokens:
            raise OidcError("the provider returned no ID token")
        claims = self._verify(str(tokens["id_token"]), nonce)
        userinfo = self.metadata().get("userinfo_endpoint")
        if userinfo and tokens.get("access_token"):
            extra = self._get_json(
                str(userinfo), headers={"Authorization": f"Bearer {tokens['access_token']}"}
            )
            if extra.get("sub") == claims.get("sub"):
                claims = {**extra, **claims}
        return claims

    def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Signature (the provider's JWKS, asymmetric algorithms only), issuer, audience,
        expiry, issue time and our nonce."""
        registry = jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": str(self.metadata()["issuer"])},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            token = jwt.decode(id_token, self._jwks(), algorithms=SIGNING_ALGORITHMS)
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise OidcError(f"the ID token does not verify: {exc}") from None
        return dict(token.claims)

    def _jwks(self) -> KeySet:
        with self._lock:
            if self._keys and time.monotonic() - self._keys[0] < METADATA_TTL:
                return self._keys[1]
        document = self._get_json(str(self.metadata()["jwks_uri"]))
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    def _get_json(self, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self.http.get(url, headers=headers)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"the identity provider at {url} did not answer: {exc}") from None
        if not isinstance(body, dict):
            raise OidcError(f"{url} did not return a JSON object")
        return body

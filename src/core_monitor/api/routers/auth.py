"""Logging in and out: OAuth2 password tokens for scripts, an HttpOnly cookie for the UI."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from core_monitor.api.deps import AuthDep, SettingsDep, SsoDep, UsersDep
from core_monitor.api.schemas import MeOut, StrictInput
from core_monitor.api.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    csrf_ok,
    get_identity,
    is_session,
    source_of,
)
from core_monitor.auth.oidc import OidcError
from core_monitor.auth.passwords import MAX_LENGTH
from core_monitor.errors import FieldError, Forbidden, LoginFailed, NotFound, ValidationFailed
from core_monitor.services.auth import SessionGrant, SingleSignOn, actor_of
from core_monitor.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong credentials"},
    429: {"description": "Throttled"},
}


class OidcConfig(BaseModel):
    enabled: bool
    name: str | None
    login_url: str


class AuthConfig(BaseModel):
    password: bool = True
    oidc: OidcConfig


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_in: int = Field(description="Seconds the access token lives.")
    refresh_token: str


class LoginRequest(StrictInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class LoginOut(BaseModel):
    user: MeOut
    csrf_token: str


class PasswordChange(StrictInput):
    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(min_length=1, max_length=MAX_LENGTH)


@router.get("/config", response_model=AuthConfig, summary="How one may log in")
def config(settings: SettingsDep) -> AuthConfig:
    return AuthConfig(
        oidc=OidcConfig(
            enabled=settings.oidc_enabled,
            name=settings.oidc_name if settings.oidc_enabled else None,
            login_url="/api/v1/auth/oidc/login",
        )
    )


@router.post(
    "/token",
    response_model=TokenOut,
    responses=UNAUTHORIZED,
    summary="OAuth2 token endpoint: password and refresh_token grants",
)
async def token(
    request: Request,
    auth: AuthDep,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()] = "password",
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=MAX_LENGTH)] = "",
    refresh_token: Annotated[str, Form(max_length=200)] = "",
) -> TokenOut:
    source = source_of(request)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise ValidationFailed([FieldError("refresh_token", "required for this grant")])
        grant = await run_in_threadpool(auth.refresh, refresh_token, source)
    else:
        if not username or not password:
            raise LoginFailed("invalid username or password")
        user = await run_in_threadpool(auth.login, username, password, source)
        grant = await run_in_threadpool(auth.issue_tokens, user.user_id)
    return TokenOut(
        access_token=grant.access_token,
        expires_in=grant.expires_in,
        refresh_token=grant.refresh_token,
    )


@router.post("/login", response_model=LoginOut, responses=UNAUTHORIZED, summary="Browser login")
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    auth: AuthDep,
    settings: SettingsDep,
) -> LoginOut:
    user = await run_in_threadpool(auth.login, body.username, body.password, source_of(request))
    grant = await run_in_threadpool(auth.open_session, user.user_id)
    set_session_cookies(request, response, settings.cookie_secure, grant)
    identity = await run_in_threadpool(auth.authenticate, grant.secret)
    assert identity is not None
    return LoginOut(user=MeOut.of(identity), csrf_token=grant.csrf)


@router.post("/logout", status_code=204, summary="End the browser session (or token family)")
async def logout(request: Request, auth: AuthDep) -> Response:
    identity = get_identity(request)
    if is_session(identity) and not csrf_ok(request, identity):
        raise Forbidden("CSRF token missing or wrong")
    await run_in_threadpool(auth.logout, identity, source_of(request))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", response_model=MeOut, summary="Who you are, and your roles")
def me(request: Request) -> MeOut:
    return MeOut.of(get_identity(request))


@router.post("/password", status_code=204, summary="Change your own password")
async def change_password(
    body: PasswordChange, request: Request, auth: AuthDep, users: UsersDep
) -> Response:
    identity = get_identity(request)
    if is_session(identity) and not csrf_ok(request, identity):
        raise Forbidden("CSRF token missing or wrong")
    source = source_of(request)
    await run_in_threadpool(auth.login, identity.username, body.current_password, source)
    await run_in_threadpool(
        users.update,
        actor_of(identity, source),
        identity.username,
        password=body.new_password,
    )
    return Response(status_code=204)


@router.get(
    "/oidc/login",
    status_code=302,
    response_class=RedirectResponse,
    summary="Single sign-on: off to the identity provider",
    responses={404: {"description": "Single sign-on is not configured"}},
)
async def oidc_login(request: Request, sso: SsoDep, settings: SettingsDep) -> RedirectResponse:
    url = await run_in_threadpool(_configured(sso).start, _callback_url(request, settings))
    return RedirectResponse(url, status_code=302)


@router.get(
    "/oidc/callback",
    status_code=302,
    response_class=RedirectResponse,
    summary="Single sign-on: back from the identity provider, into a session",
)
async def oidc_callback(
    request: Request,
    sso: SsoDep,
    auth: AuthDep,
    settings: SettingsDep,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    configured = _configured(sso)
    if error or not code or not state:
        return _login_page_with(error or "the identity provider sent no code")
    try:
        user = await run_in_threadpool(configured.finish, state, code, source_of(request))
    except OidcError as exc:
        return _login_page_with(str(exc))
    grant = await run_in_threadpool(auth.open_session, user.user_id)
    response = RedirectResponse("/", status_code=302)
    set_session_cookies(request, response, settings.cookie_secure, grant)
    return response


def _configured(sso: SingleSignOn | None) -> SingleSignOn:
    if sso is None:
        raise NotFound("single sign-on is not configured (COREMON_OIDC_ISSUER)")
    return sso


def _callback_url(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


def _login_page_with(message: str) -> RedirectResponse:
    return RedirectResponse(f"/login?{urlencode({'error': message[:300]})}", status_code=302)


def set_session_cookies(
    request: Request, response: Response, secure: bool | None, grant: SessionGrant
) -> None:
    """The HttpOnly session cookie, and the CSRF token the UI echoes (double submit)."""
    https = request.url.scheme == "https" if secure is None else secure
    response.set_cookie(
        SESSION_COOKIE,
        grant.secret,
        max_age=grant.expires_in,
        path="/",
        httponly=True,
        samesite="strict",
        secure=https,
    )
    # readable by the UI's script, which echoes it in X-CSRF-Token (double submit)
    response.set_cookie(
        CSRF_COOKIE,
        grant.csrf,
        max_age=grant.expires_in,
        path="/",
        httponly=False,
        samesite="strict",
        secure=https,
    )

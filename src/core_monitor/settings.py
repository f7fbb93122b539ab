"""Configuration: every field is an environment variable with the COREMON_ prefix."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core_monitor.domain.commands import OnFailure
from core_monitor.domain.host_paths import clean
from core_monitor.domain.project_dir import DEFAULT_HOST_HOME, DEFAULT_PROJECTS_ROOT, HostPlaces
from core_monitor.errors import ConfigurationError

DEFAULT_MAX_CONTAINERS = 500


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COREMON_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8080, ge=1, le=65535, description="TCP port of the HTTP server.")
    data_dir: Path = Field(Path("data"), description="Directory for the SQLite database.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/coremon.db. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db",
    )
    db_pool_size: int = Field(
        5,
        ge=1,
        le=200,
        description="Database connections kept for API requests (twice as many more on "
        "bursts). The worker and the read side (streams, monitor) have pools of their own.",
    )
    db_pool_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        description="Longest an API request waits for a free database connection; then it "
        "is answered 503 with Retry-After instead of waiting on.",
    )
    worker_db_pool_size: int = Field(
        4,
        ge=1,
        le=100,
        description="Database connections of the commands the worker runs (APPLY…); API "
        "load never takes them.",
    )
    stream_db_pool_size: int = Field(
        4,
        ge=1,
        le=100,
        description="Database connections of the read side: log and event streams' "
        "periodic reads, the monitor. A stream holds none while it waits.",
    )
    docker_host: str | None = Field(
        None, description="Docker engine address; default DOCKER_HOST or the local socket."
    )
    queue_on_failure: OnFailure = Field(
        OnFailure.HALT,
        description="halt: a FAILED command stops the queue until retried or dismissed.",
    )
    max_attempts: int = Field(
        3, ge=1, le=100, description="Runs of one command before it is FAILED (crash recovery)."
    )
    log_format: Literal["console", "json"] = Field("console", description="Log line format.")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info")
    lease_seconds: float = Field(
        10.0, gt=0.5, le=600, description="Queue lease time-to-live; a dead worker's lease ends."
    )
    poll_seconds: float = Field(
        0.5, gt=0.0, le=10, description="How often an idle worker looks for commands."
    )
    command_feed_seconds: float = Field(
        0.5,
        gt=0.0,
        le=10,
        description="How often each process reads the commands other processes changed "
        "(replicas on one database: their event streams).",
    )
    command_timeout_seconds: float = Field(
        3600.0, gt=0, description="A command running longer than this is FAILED."
    )
    wait_timeout_seconds: float = Field(
        300.0, gt=0, le=86400, description="Longest wait for a depends_on condition."
    )
    projects_root: str = Field(
        DEFAULT_PROJECTS_ROOT,
        description="Directory on the engine's host holding each stack's project directory "
        "(<root>/<stack name>): the version's files are written there, relative binds resolve "
        "inside it. Keep it under a policy's allowed bind root (the default policy allows "
        "/var/lib/coremon).",
    )
    host_home: str = Field(
        DEFAULT_HOST_HOME,
        description="What '~' in a bind source means on the engine's host (Compose's: the "
        "home of whoever runs it; Core Monitor runs nothing there).",
    )
    worker: bool = Field(True, description="Run the queue worker inside `coremon serve`.")
    max_stream_seconds: float = Field(
        900.0, gt=0, le=86400, description="Longest an SSE stream stays open."
    )
    executor_modules: str = Field(
        "", description="Comma-separated modules whose register(registry) adds executors."
    )
    catalog_dirs: str = Field(
        "",
        description="The wizard's extra catalog directories (os.pathsep-separated), after the "
        "packaged one; reloaded when their files change.",
    )
    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1024, description="Largest request body.")
    max_artifact_bytes: int = Field(
        512 * 1024 * 1024, ge=1024, description="Largest artifact upload (413 above)."
    )
    deploy_verify_seconds: float = Field(
        60.0, gt=0, le=3600, description="How long a deploy's HTTP probe may take to answer."
    )
    deploy_ready_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="How long a deploy waits for its middleware to accept connections "
        "(a server an APPLY just started); only a refused connection is waited for.",
    )
    max_containers_per_stack: int = Field(
        DEFAULT_MAX_CONTAINERS,
        ge=1,
        le=100_000,
        description="Most containers one stack may ask for (replicas of all its services); "
        "a version asking for more is refused with 422.",
    )

    # -- security ------------------------------------------------------------------------
    admin_password: SecretStr | None = Field(
        None,
        description="Password of the `admin` user created on first start; without it a "
        "one-time password is generated and printed once in the log.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts secret stack variables at rest (at least 16 "
        "characters). Required as soon as a secret variable exists.",
    )
    access_token_seconds: int = Field(
        900, ge=30, le=86400, description="Lifetime of a bearer access token."
    )
    refresh_token_seconds: int = Field(
        7 * 86400, ge=60, le=90 * 86400, description="Lifetime of a refresh token."
    )
    session_seconds: int = Field(
        12 * 3600, ge=60, le=30 * 86400, description="Lifetime of a browser session cookie."
    )
    cookie_secure: bool | None = Field(
        None,
        description="Secure flag on cookies; default: set when the request came over https.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        le=1000,
        description="Failed logins (per user name or per address) before "
        "further attempts are refused for COREMON_LOGIN_LOCKOUT_SECONDS.",
    )
    login_lockout_seconds: int = Field(
        300, ge=1, le=86400, description="How long logins stay refused after too many failures."
    )
    cors_origins: str = Field(
        "",
        description="Comma-separated origins allowed to call the API from a browser "
        "(default: none, same origin only).",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated IP addresses or networks (CIDR) of reverse proxies "
        "whose X-Forwarded-For and X-Forwarded-Proto are believed (default: none; the "
        "client address is the connection's).",
    )
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer URL; enables single sign-on when set."
    )
    oidc_client_id: str | None = Field(None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(None, description="OIDC client secret.")
    oidc_scopes: str = Field("openid profile email", description="OIDC scopes asked for.")
    oidc_name: str = Field("Single sign-on", description="Label of the login button.")
    oidc_username_claim: str = Field(
        "preferred_username", description="Claim that names the user (falls back to sub)."
    )
    oidc_role_claim: str = Field(
        "groups", description="Claim (a string or a list) whose values map to roles."
    )
    oidc_role_map: str = Field(
        "",
        description="Comma-separated claim-value=role pairs, e.g. "
        "'coremon-admins=admin,ops=operator,*=viewer' (* matches any authenticated user).",
    )
    oidc_redirect_url: str | None = Field(
        None,
        description="Public URL of /api/v1/auth/oidc/callback; default: derived from the request.",
    )

    @field_validator("projects_root", "host_home")
    @classmethod
    def _absolute_host_path(cls, value: str) -> str:
        if not value.startswith("/") or "\x00" in value or len(value) > 500:
            raise ValueError("must be an absolute path on the engine's host")
        return value

    @property
    def places(self) -> HostPlaces:
        """The engine host's projects root and home, cleaned."""
        return HostPlaces(clean(self.projects_root), clean(self.host_home))

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for item in _items(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        return _items(self.cors_origins)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _items(self.trusted_proxies)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer or self.oidc_client_id)

    @property
    def executor_module_list(self) -> list[str]:
        return [m.strip() for m in self.executor_modules.split(",") if m.strip()]

    @property
    def catalog_dir_list(self) -> list[Path]:
        return [Path(d) for d in self.catalog_dirs.split(os.pathsep) if d.strip()]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'coremon.db'}"


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, turning any problem into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigurationError(
            f"invalid configuration: COREMON_{field.upper()}: {first['msg']}"
        ) from None

"""Application settings, read from the environment (prefix ``CRM_``)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Hours from raising a service ticket to its due time, by priority (SPEC §2).
DEFAULT_SLA_HOURS = {"urgent": 24.0, "high": 72.0, "normal": 168.0, "low": 336.0}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    database_url: str = "sqlite:///./crm.db"
    # When unset, a random key is generated on first use and kept in the database
    # (table app_setting), so every process serving the same database agrees on it.
    secret_key: str | None = None
    # Bearer tokens expire this long after log-in; a password, role or active-flag change
    # ends them at once (User.credentials_version).
    token_minutes: int = Field(default=12 * 60, gt=0)
    # Log-in rate limits (API and log-in page): once this many failures fall within the
    # window, further attempts for the username (or from the address) are refused with 429.
    login_failures_per_username: int = Field(default=10, gt=0)
    login_failures_per_address: int = Field(default=50, gt=0)
    login_failure_window_minutes: int = Field(default=15, gt=0)
    # "fast" makes argon2 nearly free, for the test suite only; never use it in production.
    password_hash_profile: Literal["standard", "fast"] = "standard"
    # Served over HTTPS (directly or by a proxy in front): send Strict-Transport-Security.
    behind_https: bool = False
    sql_echo: bool = False
    # Page sessions (cookie): end after this long without a request, and at the latest after
    # the lifetime, whatever the activity.
    session_idle_minutes: int = Field(default=120, gt=0)
    session_lifetime_hours: int = Field(default=12, gt=0)
    # Origins besides the server's own whose form posts are accepted with a session cookie,
    # e.g. CRM_TRUSTED_ORIGINS='["https://crm.example.gov.cn"]' behind a proxy that rewrites Host.
    trusted_origins: list[str] = Field(default_factory=list)
    # Where an uploaded file waits (30 minutes at most) between its dry run and its import;
    # every server process of one installation must see the same folder. Default: the
    # system's temporary folder, crm-uploads.
    upload_directory: Path | None = None
    # e.g. CRM_SLA_HOURS='{"urgent": 12}'; priorities left out keep their default.
    # The city the bureau serves, by its administrative division code (GB/T 2260): investor
    # origin (市内/省内市外/省外/境外) is seen from it and a project's county is one of its
    # counties. ``home_city_name`` is the name the register uses for it when that differs from
    # the official one; the defaults describe the demo data set, whose fictional 云江市 stands
    # in for 绵阳市 (510700). A deployment sets both, e.g. CRM_HOME_CITY_NAME='' for the official.
    home_city_code: Annotated[str, Field(pattern=r"^\d{6}$")] = "510700"
    home_city_name: str | None = "云江市"
    sla_hours: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: dict(DEFAULT_SLA_HOURS)
    )
    # Background imports: a file larger than this (bytes) uploaded to the import API or page
    # runs as a job with progress. The worker runs inside ``crm serve``/``crm demo`` unless
    # CRM_JOBS_IN_PROCESS=false (then ``crm worker`` runs them; PostgreSQL only).
    import_background_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    jobs_in_process: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()

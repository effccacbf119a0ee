"""Application settings, read from the environment (prefix ``CRM_``)."""

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Months from signing to each milestone's planned date, unless the agreement says otherwise.
DEFAULT_MILESTONE_MONTHS = {
    "filed": 1,
    "land_supplied": 2,
    "planning_permit": 3,
    "construction_permit": 5,
    "construction_started": 6,
    "completed": 18,
    "production_started": 20,
    "registered": 26,
}
# Days without a move or visit before a lead turns amber, then red, by priority.
DEFAULT_LEAD_LIGHT_DAYS = {"A": (30, 60), "B": (60, 90), "C": (60, 90)}
# Working days from raising a service ticket to its due time, by priority: the ticket is due at
# the end of that working day (Chinese calendar, the bureau's closures excluded).
DEFAULT_SLA_WORKING_DAYS = {"urgent": 1, "high": 3, "normal": 7, "low": 14}


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
    # The city the bureau serves, by its administrative division code (GB/T 2260): investor
    # origin (市内/省内市外/省外/境外) is seen from it and a project's county is one of its
    # counties. ``home_city_name`` is the name the register uses for it when that differs from
    # the official one; the defaults describe the demo data set, whose fictional 云江市 stands
    # in for 绵阳市 (510700). A deployment sets both, e.g. CRM_HOME_CITY_NAME='' for the official.
    home_city_code: Annotated[str, Field(pattern=r"^\d{6}$")] = "510700"
    home_city_name: str | None = "云江市"
    # --- service ticket SLA and 督办 (crm.tickets.sla, crm.escalations) ---
    # e.g. CRM_SLA_WORKING_DAYS='{"urgent": 2}'; priorities left out keep their default.
    sla_working_days: dict[str, Annotated[int, Field(gt=0, le=250)]] = Field(
        default_factory=lambda: dict(DEFAULT_SLA_WORKING_DAYS)
    )
    # Parks' idle-land clock (闲置土地, crm.parks.clock): a supplied plot is suspected idle
    # this many months after its contracted start with no start, or after work stopped on a
    # plot built below ``idle_built_ratio`` or invested below ``idle_invested_ratio``; the
    # idle fee is ``idle_fee_rate`` of the land price; reclaim is proposed at the second mark.
    idle_land_months: int = Field(default=12, gt=0)
    idle_reclaim_months: int = Field(default=24, gt=0)
    idle_fee_rate: float = Field(default=0.2, gt=0, le=1)
    idle_built_ratio: float = Field(default=1 / 3, gt=0, le=1)
    idle_invested_ratio: float = Field(default=0.25, gt=0, le=1)

    # Project milestones and lights (红黄绿灯). A milestone is amber once its planned month has
    # passed without it and red this many months later; a funding instalment is amber when
    # more than ``funding_amber_days`` late, red past ``funding_red_days``; a started project
    # with no milestone or money for ``stalled_days`` is 开工未建设. With
    # ``milestones_need_acceptance`` the start and production dates the reports count are set
    # only when the office (or a leader) accepts the milestone; else when it is recorded.
    milestone_months: dict[str, Annotated[int, Field(ge=0, le=120)]] = Field(
        default_factory=lambda: dict(DEFAULT_MILESTONE_MONTHS)
    )
    milestone_red_months: int = Field(default=3, ge=1, le=36)
    funding_amber_days: int = Field(default=30, ge=0)
    funding_red_days: int = Field(default=90, ge=1)
    stalled_days: int = Field(default=90, ge=1)
    milestones_need_acceptance: bool = True
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)

    # Lead lights and pauses (crm.leads.lights): days without a stage move or done visit after
    # which a lead of that priority turns amber and red, e.g. CRM_LEAD_LIGHT_DAYS='{"A": [20, 45]}';
    # days without progress after which a lead is proposed for a pause ("长期无进展").
    lead_light_days: dict[str, tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]]] = (
        Field(default_factory=lambda: dict(DEFAULT_LEAD_LIGHT_DAYS))
    )
    lead_pause_after_days: int = Field(default=180, gt=0)
    # A negotiating lead of these priorities, or expecting at least this investment (万元),
    # must have a specialist (一项一策一专员).
    lead_specialist_rule: bool = True
    lead_specialist_priorities: list[str] = Field(default_factory=lambda: ["A"])
    lead_specialist_investment: float = Field(default=10000, ge=0)
    # A working day ends (a ticket falls due) at this local time of the server, e.g. "17:30".
    workday_ends_at: time = time(18, 0)
    # Background imports: a file larger than this (bytes) uploaded to the import API or page
    # runs as a job with progress. The worker runs inside ``crm serve``/``crm demo`` unless
    # CRM_JOBS_IN_PROCESS=false (then ``crm worker`` runs them; PostgreSQL only).
    import_background_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    jobs_in_process: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()

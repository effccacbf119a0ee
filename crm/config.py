"""Application settings, read from the environment (prefix ``CRM_``)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    database_url: str = "sqlite:///./crm.db"
    # When unset, a random key is generated on first use and kept in the database
    # (table app_setting), so every process serving the same database agrees on it.
    secret_key: str | None = None
    token_minutes: int = 12 * 60
    sql_echo: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()

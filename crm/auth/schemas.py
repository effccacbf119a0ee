from pydantic import BaseModel, ConfigDict, Field

from crm.auth.models import Role
from crm.auth.passwords import MAX_LENGTH, MIN_LENGTH
from crm.fields import InputModel

Username = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")


class UserCreate(InputModel):
    username: str = Username
    full_name: str = Field(default="", max_length=100)
    role: Role
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    city_leader: bool = Field(default=False, description="市领导: second-level 督办 reaches them")


class UserUpdate(InputModel):
    version: int
    full_name: str | None = Field(default=None, max_length=100)
    role: Role | None = None
    is_active: bool | None = None
    city_leader: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class PasswordChange(InputModel):
    """A user's change of their own password: at least 10 characters, not easy to guess."""

    old_password: str = Field(max_length=MAX_LENGTH)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: Role
    is_active: bool
    city_leader: bool
    version: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from shuzheng.security import service
from shuzheng.security.models import Account


class CitizenRegistration(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="姓名")
    id_number: str = Field(min_length=1, max_length=32, description="居民身份证号码")
    password: str = Field(min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=20, description="手机号")


class EnterpriseRegistration(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="企业名称")
    uscc: str = Field(min_length=1, max_length=32, description="统一社会信用代码")
    password: str = Field(min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=20)


class StaffCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=64)
    department_id: int
    roles: list[str] = Field(min_length=1)
    password: str = Field(min_length=1, max_length=128)


class RolesUpdate(BaseModel):
    roles: list[str] = Field(min_length=1)


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=64, description="用户名 / 身份证号 / 统一社会信用代码")
    password: str = Field(min_length=1, max_length=128)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class Preferences(BaseModel):
    elder_mode: bool


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class AccountOut(BaseModel):
    """An account as it leaves the platform: identifiers masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    display_name: str
    username: str | None
    id_number_masked: str
    uscc: str | None
    phone_masked: str
    department_id: int | None
    roles: list[str]
    active: bool
    elder_mode: bool
    locked: bool
    created_at: dt.datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        from shuzheng.kit import clock

        return cls(
            id=account.id,
            kind=account.kind,
            display_name=account.display_name,
            username=account.username,
            id_number_masked=service.masked_id_number(account),
            uscc=account.uscc,
            phone_masked=service.masked_phone(account),
            department_id=account.department_id,
            roles=account.role_names,
            active=account.active,
            elder_mode=account.elder_mode,
            locked=bool(account.locked_until and account.locked_until > clock.now()),
            created_at=account.created_at,
        )

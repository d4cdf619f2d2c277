"""Request bodies of the sharing API (also used by the pages and the demo)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class DemandInput(BaseModel):
    """A consumer department's demand. Leave `resource_code` empty and describe the data in `wanted` when
    nobody publishes it: the demand then goes to the 需求清单."""

    resource_code: str | None = None
    wanted: str | None = None
    fields: list[str] = Field(default_factory=list)
    unmasked_fields: list[str] = Field(default_factory=list)
    purpose: str = ""
    legal_basis: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    expected_volume: int = 0


class ApproveInput(BaseModel):
    """The provider may narrow what was asked: fewer fields, fewer unmasked fields, an earlier end."""

    fields: list[str] | None = None
    unmasked_fields: list[str] | None = None
    period_end: dt.date | None = None
    daily_quota: int | None = None


class ReasonInput(BaseModel):
    reason: str = ""


class AssignInput(BaseModel):
    department_id: int

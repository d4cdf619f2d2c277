from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base
from shuzheng.kit.clock import now


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


REGION_LEVEL_LABELS = {
    RegionLevel.PROVINCE: "省级",
    RegionLevel.CITY: "市级",
    RegionLevel.COUNTY: "区县级",
    RegionLevel.TOWNSHIP: "乡镇街道级",
}


class DepartmentKind(StrEnum):
    CITY_GOVERNMENT = "city_government"  # 市政府 (the root of a city's tree)
    COMMITTEE = "committee"  # 委办局
    DISTRICT_GOVERNMENT = "district_government"  # 区县政府
    TOWNSHIP = "township"  # 乡镇街道
    INSTITUTION = "institution"  # 事业单位


DEPARTMENT_KIND_LABELS = {
    DepartmentKind.CITY_GOVERNMENT: "市政府",
    DepartmentKind.COMMITTEE: "委办局",
    DepartmentKind.DISTRICT_GOVERNMENT: "区县政府",
    DepartmentKind.TOWNSHIP: "乡镇街道",
    DepartmentKind.INSTITUTION: "事业单位",
}


class Region(Base):
    """An administrative division. Codes: 6 digits (GB/T 2260) down to county, 9 digits for townships."""

    __tablename__ = "org_regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("org_regions.code"), index=True)
    # False for regions an operator or the demo added that GB/T 2260 does not list (e.g. townships).
    official: Mapped[bool] = mapped_column(default=True)


class Department(Base):
    __tablename__ = "org_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    short_name: Mapped[str] = mapped_column(String(64))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("org_regions.code"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

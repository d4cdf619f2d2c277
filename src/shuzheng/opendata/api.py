"""Open-data JSON routes: the CKAN Action API (ckan.py), developer API keys, and 可用不可见 aggregates."""

from __future__ import annotations

from fastapi import APIRouter

from shuzheng.opendata import ckan

router = APIRouter(tags=["开放数据"])
router.include_router(ckan.router)

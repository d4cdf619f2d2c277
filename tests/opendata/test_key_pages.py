"""The 开发者密钥 page: list, create (the key in that one response only), confirm and revoke with CSRF."""

from __future__ import annotations

import re

from sqlalchemy import select

from shuzheng.opendata import service
from shuzheng.opendata.models import ApiKey
from shuzheng.security import service as accounts
from tests import factories as f

CSRF = "opendata-test-csrf"


def _login(client, session, account) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()


def _post(client, url: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": CSRF, **(data or {})}, follow_redirects=False)


def test_create_see_the_key_once_then_revoke(client, session) -> None:
    assert client.get("/opendata/keys", follow_redirects=False).status_code == 303  # login first
    assert "/opendata/keys" in client.get("/opendata").text  # linked from the portal
    me = f.citizen(session)
    _login(client, session, me)
    page = client.get("/opendata/keys")
    assert page.status_code == 200 and "您还没有开发者密钥" in page.text
    assert 'aria-current="page">开发者密钥' in page.text

    created = _post(client, "/opendata/keys", {"label": "停车导航小程序"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    raw = re.search(r'value="(od_[^"]+)"', created.text)
    assert raw is not None and "只显示这一次" in created.text
    key = session.scalar(select(ApiKey).where(ApiKey.account_id == me.id))
    assert key is not None and key.key_digest != raw.group(1)

    listed = client.get("/opendata/keys").text
    assert raw.group(1) not in listed  # never again
    assert "停车导航小程序" in listed and key.prefix in listed and "从未使用" in listed and "有效" in listed

    assert (
        client.post(f"/opendata/keys/{key.id}/revoke", follow_redirects=False).status_code == 403
    )  # no CSRF
    confirm = client.get(f"/opendata/keys/{key.id}/revoke")
    assert confirm.status_code == 200 and "确认停用" in confirm.text and "不能恢复" in confirm.text
    done = _post(client, f"/opendata/keys/{key.id}/revoke")
    assert done.status_code == 303 and done.headers["location"] == "/opendata/keys"
    session.refresh(key)
    assert key.revoked_at is not None
    assert "已停用" in client.get("/opendata/keys").text
    again = client.get(f"/opendata/keys/{key.id}/revoke", follow_redirects=False)
    assert again.status_code == 303


def test_a_bad_label_is_explained_and_nothing_is_created(client, session) -> None:
    me = f.citizen(session)
    _login(client, session, me)
    r = _post(client, "/opendata/keys", {"label": "  "})
    assert r.status_code == 422 and "1–64 个字" in r.text and 'aria-invalid="true"' in r.text
    assert session.scalar(select(ApiKey).where(ApiKey.account_id == me.id)) is None


def test_someone_elses_key_cannot_be_seen_or_revoked(client, session) -> None:
    owner = f.actor(session, f.citizen(session))
    key, _ = service.create_api_key(session, owner, "别人的应用")
    _login(client, session, f.citizen(session))
    assert "别人的应用" not in client.get("/opendata/keys").text
    assert client.get(f"/opendata/keys/{key.id}/revoke").status_code == 404
    assert _post(client, f"/opendata/keys/{key.id}/revoke").status_code == 404
    session.refresh(key)
    assert key.revoked_at is None

"""An error raised inside a page route still renders the full, friendly error page for the logged-in
person, even though the request's transaction rolled back."""

import pytest

from shuzheng.security import service
from tests import factories as f


def test_forbidden_page_keeps_the_layout_and_the_viewer(client, session) -> None:
    account = f.staff(session, "data_officer", name="钱多多")
    client.cookies.set("sz_session", service.start_web_session(session, account))
    r = client.get("/admin/calendar")
    assert r.status_code == 403
    assert "钱多多" in r.text  # the header still knows who is looking
    assert "没有权限" in r.text and "<nav" in r.text
    assert "Traceback" not in r.text


def test_unknown_page_is_a_friendly_404(client) -> None:
    r = client.get("/no/such/page", headers={"accept": "text/html"})
    assert r.status_code == 404 and "找不到" in r.text and "<html" in r.text


# ---------------------------------------------------------------- a refused form post (CSRF)

EXPIRED_HINT = "页面已过期"
PERMISSION_HINT = "请联系您所在部门的管理员开通权限"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/preferences/elder-mode", {"enabled": "1"}),  # security's router
        ("/catalog/new", {"name": "无效"}),  # catalog's router
        ("/hotline/admin/settings", {"key": "x", "value": "1"}),  # hotline's router
    ],
)
def test_a_refused_form_post_keeps_the_logged_in_viewer_and_says_the_page_expired(
    client, session, path: str, data: dict[str, str]
) -> None:
    account = f.staff(session, "data_officer", "platform_admin", name="钱多多")
    client.cookies.set("sz_session", service.start_web_session(session, account))
    client.get("/")  # a page was opened: the CSRF cookie is set, the form then sits too long
    r = client.post(path, data={"csrf_token": "expired", **data}, follow_redirects=False)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "CSRF 校验失败" in r.text
    assert "钱多多" in r.text and "退出登录" in r.text  # the header still knows who is looking
    assert 'aria-label="主导航"' in r.text and 'href="/catalog"' in r.text
    assert 'href="/register"' not in r.text
    assert EXPIRED_HINT in r.text and PERMISSION_HINT not in r.text
    assert "<title>页面已过期 - 数政</title>" in r.text
    session.refresh(account)
    assert account.elder_mode is False  # nothing of the refused post was done


def test_a_refused_form_post_without_a_login_shows_the_anonymous_header(client) -> None:
    r = client.post("/preferences/elder-mode", data={"enabled": "1"}, follow_redirects=False)
    assert r.status_code == 403
    assert 'href="/register"' in r.text and "退出登录" not in r.text and "主导航" not in r.text
    assert EXPIRED_HINT in r.text and PERMISSION_HINT not in r.text


def test_a_permission_error_keeps_its_own_hint(client, session) -> None:
    account = f.staff(session, "data_officer", name="钱多多")
    client.cookies.set("sz_session", service.start_web_session(session, account))
    r = client.get("/admin/calendar")
    assert r.status_code == 403
    assert PERMISSION_HINT in r.text and EXPIRED_HINT not in r.text

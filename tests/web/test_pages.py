"""The web shell and account pages over HTTP: login/logout, CSRF, 长辈模式, registration, homes per role,
my profile, staff account administration, and friendly error pages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shuzheng.kit import clock
from shuzheng.org import service as org
from shuzheng.security import service as accounts
from shuzheng.security.models import Account, WebSession
from shuzheng.web.pageutils import safe_next
from tests import factories as f

STATIC = Path(__file__).resolve().parents[2] / "src" / "shuzheng" / "web" / "static"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/login") -> str:
    """Open a page like a browser would and read the CSRF token from its form."""
    page = client.get(path, follow_redirects=False)
    found = TOKEN_FIELD.search(page.text)
    assert found, f"{path} 没有带 CSRF 令牌的表单"
    return found.group(1)


def post(client: TestClient, url: str, data: dict[str, object] | None = None, *, token_from: str = "/login"):  # type: ignore[no-untyped-def]
    body = {"csrf_token": csrf(client, token_from), **(data or {})}
    return client.post(url, data=body, follow_redirects=False)


def log_in(client: TestClient, login: str, password: str = f.PASSWORD, next: str = ""):  # type: ignore[no-untyped-def]
    return post(client, "/login", {"login": login, "password": password, "next": next})


def set_cookies(response) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(response.headers.get_list("set-cookie"))


# ---------------------------------------------------------------- layout


def test_landing_page_is_chinese_accessible_and_uses_no_cdn(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN"' in html and "<title>首页 - 数政</title>" in html
    assert html.index('class="skip-link" href="#main"') < html.index("<header")
    assert '<main id="main"' in html and "<footer" in html
    assert 'aria-pressed="false"' in html and "长辈模式" in html
    assert 'href="/login"' in html and 'href="/register"' in html
    assert "数政</span> · <span>示范市数字政府" in html
    # Everything the page loads comes from this server: the platform runs on an intranet.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_static_assets_are_served_and_echarts_is_vendored_with_its_licence(client) -> None:
    css = client.get("/static/css/shuzheng.css")
    assert css.status_code == 200 and "html.elder" in css.text and "Noto Sans CJK SC" in css.text
    assert client.get("/static/js/shuzheng.js").status_code == 200
    echarts = STATIC / "vendor" / "echarts"
    assert (echarts / "echarts.min.js").stat().st_size > 500_000
    assert "Apache License" in (echarts / "LICENSE").read_text()
    for asset in [*STATIC.rglob("*.css"), *STATIC.rglob("shuzheng.js")]:
        assert "cdn" not in asset.read_text().lower(), asset


# ---------------------------------------------------------------- login / logout


def test_citizen_logs_in_with_id_number_and_gets_a_safe_session_cookie(client, session) -> None:
    number = f.id_number(301)
    f.citizen(session, name="赵敏", id_number=number)
    r = log_in(client, number.lower())
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("sz_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    home = client.get("/")
    assert "您好，赵敏" in home.text and "我的信息" in home.text
    assert number[:4] + "*" * 10 + number[-4:] in home.text and number not in home.text
    assert "138****5678" in home.text and "13812345678" not in home.text
    assert home.text.count("即将上线") == 2  # 我的办件 and 我的诉求 are honest placeholders


def test_enterprise_logs_in_with_uscc_and_sees_its_information(client, session) -> None:
    ent = f.enterprise(session, name="示范数据科技有限公司")
    assert log_in(client, ent.uscc).status_code == 303
    home = client.get("/")
    assert "企业信息" in home.text and ent.uscc in home.text and "示范数据科技有限公司" in home.text
    assert 'href="/me"' in home.text


def test_wrong_password_is_401_keeps_the_login_and_commits_the_failure_count(client, session) -> None:
    staff = f.staff(session, "approver", username="qian.li")
    r = log_in(client, "qian.li", "wrong-password1")
    assert r.status_code == 401
    assert "账号或密码错误" in r.text and 'value="qian.li"' in r.text and 'role="alert"' in r.text
    session.refresh(staff)
    assert staff.failed_logins == 1


def test_empty_login_form_names_the_missing_fields(client) -> None:
    r = post(client, "/login", {"login": " ", "password": ""})
    assert r.status_code == 422
    assert 'id="login-error"' in r.text and 'aria-describedby="login-hint login-error"' in r.text
    assert "请输入密码" in r.text


def test_repeated_failures_slow_down_with_429_then_lock_with_423(client, session) -> None:
    f.staff(session, "approver", username="sun.wu")
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)):
        statuses = []
        for _ in range(8):
            r = log_in(client, "sun.wu", "wrong-password1")
            statuses.append(r.status_code)
            if r.status_code == 401:
                continue
            assert r.status_code == 429 and "秒后再试" in r.text and int(r.headers["retry-after"]) >= 1
            clock.advance(dt.timedelta(seconds=int(r.headers["retry-after"])))
        assert statuses[:3] == [401, 401, 401] and 429 in statuses
        while (r := log_in(client, "sun.wu", "wrong-password1")).status_code != 423:
            assert r.status_code in (401, 429)
            clock.advance(dt.timedelta(seconds=int(r.headers.get("retry-after", "0"))))
        assert "账号已锁定" in r.text and 'value="sun.wu"' in r.text
        # Even the right password is refused while locked.
        assert log_in(client, "sun.wu").status_code == 423


def test_next_is_honoured_only_for_local_paths(client, session) -> None:
    f.staff(session, "approver", username="zhou.yu")
    assert log_in(client, "zhou.yu", next="/me").headers["location"] == "/me"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert safe_next(target) == "/"
    client.cookies.clear()
    assert log_in(client, "zhou.yu", next="https://evil.example/").headers["location"] == "/"


def test_anonymous_visit_to_a_protected_page_goes_to_login_and_comes_back(client, session) -> None:
    r = client.get("/me", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/me"
    form = client.get(r.headers["location"])
    assert 'name="next" value="/me"' in form.text


def test_logout_ends_the_session_in_the_database(client, session) -> None:
    staff = f.staff(session, "approver", username="wu.song")
    log_in(client, "wu.song")
    raw = client.cookies.get("sz_session")
    assert accounts.resolve_web_session(session, raw).id == staff.id
    r = post(client, "/logout", token_from="/")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cleared = next(c for c in r.headers.get_list("set-cookie") if c.startswith("sz_session="))
    assert "Max-Age=0" in cleared
    assert accounts.resolve_web_session(session, raw) is None
    ended = session.scalars(select(WebSession).where(WebSession.account_id == staff.id)).one()
    assert ended.ended_at is not None
    # The old cookie, replayed, no longer logs anyone in.
    client.cookies.set("sz_session", raw)
    assert client.get("/me", follow_redirects=False).status_code == 303
    home = client.get("/")
    assert "您已安全退出登录" in home.text and 'href="/login"' in home.text


def test_logging_in_again_replaces_the_previous_session(client, session) -> None:
    f.staff(session, "approver", username="lu.xun")
    log_in(client, "lu.xun")
    first = client.cookies.get("sz_session")
    # A second login form submitted while logged in (say, from another tab).
    post(client, "/login", {"login": "lu.xun", "password": f.PASSWORD}, token_from="/")
    assert accounts.resolve_web_session(session, first) is None


# ---------------------------------------------------------------- CSRF


def test_post_without_csrf_token_is_a_friendly_403(client, session) -> None:
    client.get("/login")
    r = client.post("/login", data={"login": "a", "password": "b"}, follow_redirects=False)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "CSRF" in r.text and "返回首页" in r.text and "Traceback" not in r.text
    r = client.post("/login", data={"login": "a", "password": "b", "csrf_token": "forged"})
    assert r.status_code == 403


def test_every_form_in_the_layout_carries_the_csrf_token(client, session) -> None:
    f.citizen(session, id_number=f.id_number(302))
    log_in(client, f.id_number(302))
    html = client.get("/").text
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S)
    assert len(forms) == 2  # 长辈模式 and 退出登录
    assert all('name="csrf_token"' in form for form in forms)


# ---------------------------------------------------------------- 长辈模式


def test_elder_mode_for_anonymous_visitors_is_remembered_by_a_cookie(client) -> None:
    r = post(client, "/preferences/elder-mode", {"enabled": "1", "next": "/register?kind=enterprise"})
    assert r.status_code == 303 and r.headers["location"] == "/register?kind=enterprise"
    assert "sz_elder=1" in set_cookies(r)
    page = client.get("/register")
    assert '<html lang="zh-CN" class="elder">' in page.text and 'aria-pressed="true"' in page.text
    # The same request twice leaves it on (the form says which state it wants).
    post(client, "/preferences/elder-mode", {"enabled": "1"})
    assert 'class="elder"' in client.get("/").text
    post(client, "/preferences/elder-mode", {"enabled": "0", "next": "https://evil.example/"})
    assert 'class="elder"' not in client.get("/").text


def test_elder_mode_of_a_logged_in_person_is_saved_to_the_account(app, client, session) -> None:
    number = f.id_number(303)
    citizen = f.citizen(session, id_number=number)
    log_in(client, number)
    r = post(client, "/preferences/elder-mode", {"enabled": "1"}, token_from="/")
    assert r.status_code == 303
    session.refresh(citizen)
    assert citizen.elder_mode is True
    # Another browser (no cookie) shows it too once the person logs in.
    with TestClient(app) as other:
        log_in(other, number)
        assert 'class="elder"' in other.get("/me").text


def test_elder_mode_toggle_answers_json_for_the_script(client) -> None:
    token = csrf(client, "/")
    r = client.post(
        "/preferences/elder-mode",
        data={"csrf_token": token},  # no explicit state: toggles
        headers={"accept": "application/json"},
    )
    assert r.status_code == 200 and r.json() == {"elder_mode": True}
    r = client.post(
        "/preferences/elder-mode", data={"csrf_token": token}, headers={"accept": "application/json"}
    )
    assert r.json() == {"elder_mode": False}


def test_elder_mode_chosen_before_login_carries_into_the_account(client, session) -> None:
    number = f.id_number(304)
    citizen = f.citizen(session, id_number=number)
    post(client, "/preferences/elder-mode", {"enabled": "1"})
    log_in(client, number)
    session.refresh(citizen)
    assert citizen.elder_mode is True and 'class="elder"' in client.get("/").text


# ---------------------------------------------------------------- registration


def test_citizen_registration_shows_each_problem_next_to_its_field(client, session) -> None:
    r = post(
        client,
        "/register/citizen",
        {"name": "", "id_number": "", "password": "abc12345", "password_confirm": "abc12346"},
        token_from="/register",
    )
    assert r.status_code == 422
    assert 'id="name-error"' in r.text and "请填写姓名" in r.text
    assert 'id="id_number-error"' in r.text and "请填写身份证号" in r.text
    assert 'id="password_confirm-error"' in r.text and "两次输入的密码不一致" in r.text
    assert 'aria-invalid="true"' in r.text and 'href="#password_confirm"' in r.text

    bad = f.id_number(305)[:-1] + ("0" if f.id_number(305)[-1] != "0" else "1")
    r = post(
        client,
        "/register/citizen",
        {
            "name": "李雷",
            "id_number": bad,
            "phone": "",
            "password": "abc12345",
            "password_confirm": "abc12345",
        },
        token_from="/register",
    )
    assert r.status_code == 422 and "身份证号校验位不正确" in r.text
    assert 'value="李雷"' in r.text and 'aria-describedby="id_number-hint id_number-error"' in r.text

    r = post(
        client,
        "/register/citizen",
        {"name": "李雷", "id_number": f.id_number(305), "password": "short", "password_confirm": "short"},
        token_from="/register",
    )
    assert r.status_code == 422 and 'id="password-error"' in r.text and "密码至少8位" in r.text
    assert session.scalar(select(Account.id).where(Account.display_name == "李雷")) is None


def test_citizen_registration_logs_the_person_in(client, session) -> None:
    number = f.id_number(306)
    r = post(
        client,
        "/register/citizen",
        {
            "name": "韩梅梅",
            "id_number": number,
            "phone": "139 0000 1111",
            "password": "Hello2026a",
            "password_confirm": "Hello2026a",
        },
        token_from="/register",
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    home = client.get("/")
    assert "注册成功" in home.text and "您好，韩梅梅" in home.text and "139****1111" in home.text
    # The flash message shows once.
    assert "注册成功" not in client.get("/").text


def test_registering_the_same_id_number_twice_is_a_409_on_that_field(client, session) -> None:
    number = f.id_number(307)
    f.citizen(session, id_number=number)
    r = post(
        client,
        "/register/citizen",
        {"name": "重复", "id_number": number, "password": "Hello2026a", "password_confirm": "Hello2026a"},
        token_from="/register",
    )
    assert r.status_code == 409 and 'id="id_number-error"' in r.text and "已注册" in r.text


def test_enterprise_registration_validates_the_uscc(client, session) -> None:
    form = client.get("/register?kind=enterprise")
    assert 'action="/register/enterprise"' in form.text and "统一社会信用代码" in form.text
    r = post(
        client,
        "/register/enterprise",
        {
            "name": "示范公司",
            "uscc": "91110000600037341M",
            "password": "Hello2026a",
            "password_confirm": "Hello2026a",
        },
        token_from="/register?kind=enterprise",
    )
    assert r.status_code == 422 and 'id="uscc-error"' in r.text and "校验位不正确" in r.text
    r = post(
        client,
        "/register/enterprise",
        {
            "name": "示范公司",
            "uscc": "91110000600037341l",
            "password": "Hello2026a",
            "password_confirm": "Hello2026a",
        },
        token_from="/register?kind=enterprise",
    )
    assert r.status_code == 303
    assert "示范公司" in client.get("/").text


# ---------------------------------------------------------------- homes and profile


def test_staff_home_is_a_workbench_with_department_roles_and_modules(client, session) -> None:
    dept = f.department(session, name="示范市行政审批服务局")
    f.staff(session, "approver", "data_officer", dept=dept, username="he.wei", name="何伟")
    log_in(client, "he.wei")
    html = client.get("/").text
    assert "工作台" in html and "示范市行政审批服务局" in html
    assert "审批人员" in html and "数据专员" in html and "审批办件" in html
    assert "平台概况" not in html  # counts are for the platform administrator


def test_platform_admin_home_counts_departments_staff_citizens_and_enterprises(client, session) -> None:
    f.staff(session, "platform_admin", username="root.admin")
    f.citizen(session, id_number=f.id_number(308))
    f.enterprise(session)
    log_in(client, "root.admin")
    html = client.get("/").text
    shown = {
        label: int(n)
        for label, n in re.findall(r"<dt>(部门|工作人员|注册群众|注册企业)</dt><dd>(\d+)</dd>", html)
    }

    def count(kind: str) -> int:
        return len(session.scalars(select(Account.id).where(Account.kind == kind)).all())

    assert shown == {
        "部门": len(org.list_departments(session)),
        "工作人员": count("staff"),
        "注册群众": count("citizen"),
        "注册企业": count("enterprise"),
    }
    assert shown["注册群众"] >= 1 and shown["注册企业"] >= 1
    assert 'href="/admin/accounts"' in html


def test_my_profile_shows_identifiers_masked(client, session) -> None:
    number = f.id_number(309)
    f.citizen(session, name="孙丽", id_number=number, phone="13900001234")
    log_in(client, number)
    html = client.get("/me").text
    assert "孙丽" in html and number[:4] + "*" * 10 + number[-4:] in html and "139****1234" in html
    assert number not in html and "13900001234" not in html
    assert 'aria-current="page"' in html and "我的信息" in html


# ---------------------------------------------------------------- staff accounts


def test_account_administration_is_forbidden_to_everyone_but_the_platform_admin(client, session) -> None:
    number = f.id_number(310)
    f.citizen(session, name="钱多", id_number=number)
    log_in(client, number)
    r = client.get("/admin/accounts")
    assert r.status_code == 403 and "没有权限" in r.text and "返回首页" in r.text
    assert "钱多" in r.text  # the friendly page keeps the layout, with who is logged in
    assert post(client, "/admin/accounts", {"username": "x.y"}, token_from="/").status_code == 403

    client.cookies.clear()
    f.staff(session, "data_officer", username="data.one")
    log_in(client, "data.one")
    assert client.get("/admin/accounts").status_code == 403
    assert 'href="/admin/accounts"' not in client.get("/").text
    target = session.scalars(select(Account).where(Account.username == "data.one")).one()
    r = post(client, f"/admin/accounts/{target.id}/roles", {"roles": ["platform_admin"]}, token_from="/")
    assert r.status_code == 403
    session.refresh(target)
    assert target.role_names == ["data_officer"]


def test_admin_creates_staff_and_sees_form_errors_next_to_fields(client, session) -> None:
    dept = f.department(session, name="示范市城市管理局")
    f.staff(session, "platform_admin", username="ops.admin")
    log_in(client, "ops.admin")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "ops.admin" in page.text and "示范市城市管理局" in page.text

    r = post(client, "/admin/accounts", {"username": "", "display_name": "", "password": ""}, token_from="/")
    assert r.status_code == 422
    for field in ("username", "display_name", "department_id", "roles", "password"):
        assert f'id="{field}-error"' in r.text, field

    data = {
        "username": "Bad Name",
        "display_name": "周杰",
        "department_id": str(dept.id),
        "roles": ["approver"],
        "password": f.PASSWORD,
    }
    r = post(client, "/admin/accounts", data, token_from="/")
    assert r.status_code == 422 and 'id="username-error"' in r.text and "用户名只能包含" in r.text
    assert 'value="周杰"' in r.text and f'<option value="{dept.id}" selected>' in r.text

    r = post(
        client,
        "/admin/accounts",
        {**data, "username": "zhou.jie", "roles": ["approver", "dispatcher"]},
        token_from="/",
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/accounts"
    created = session.scalars(select(Account).where(Account.username == "zhou.jie")).one()
    assert created.department_id == dept.id and created.role_names == ["approver", "dispatcher"]
    listing = client.get("/admin/accounts").text
    assert "已创建工作人员账号：zhou.jie（周杰）" in listing

    r = post(client, "/admin/accounts", {**data, "username": "zhou.jie"}, token_from="/")
    assert r.status_code == 409 and "用户名已存在" in r.text


def test_admin_changes_roles_but_cannot_demote_themself(client, session) -> None:
    admin = f.staff(session, "platform_admin", username="main.admin")
    other = f.staff(session, "approver", username="role.change")
    log_in(client, "main.admin")
    r = post(client, f"/admin/accounts/{other.id}/roles", {"roles": ["leader", "approver"]}, token_from="/")
    assert r.status_code == 303
    session.refresh(other)
    assert other.role_names == ["approver", "leader"]

    r = post(client, f"/admin/accounts/{other.id}/roles", {}, token_from="/")
    assert r.status_code == 422 and "至少需要一个角色" in r.text and "roles：" not in r.text

    r = post(client, f"/admin/accounts/{admin.id}/roles", {"roles": ["leader"]}, token_from="/")
    assert r.status_code == 403 and "不能撤销自己的平台管理员角色" in r.text
    session.refresh(admin)
    assert admin.role_names == ["platform_admin"]


def test_admin_unlocks_a_locked_account(client, session) -> None:
    f.staff(session, "platform_admin", username="lock.admin")
    locked = f.staff(session, "approver", username="locked.one")
    locked.locked_until = clock.now() + dt.timedelta(minutes=10)
    session.flush()
    log_in(client, "lock.admin")
    page = client.get("/admin/accounts").text
    assert "已锁定" in page and f'action="/admin/accounts/{locked.id}/unlock"' in page
    r = post(client, f"/admin/accounts/{locked.id}/unlock", token_from="/")
    assert r.status_code == 303
    session.refresh(locked)
    assert locked.locked_until is None
    assert "已解除" in client.get("/admin/accounts").text


# ---------------------------------------------------------------- error pages


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "message"),
    [
        ("GET", "/no-such-page", 404, "not_found", "找不到您访问的页面"),
        ("DELETE", "/login", 405, "method_not_allowed", "不支持该请求方法"),
    ],
)
def test_http_errors_are_friendly_html_pages(client, method, path, status, code, message) -> None:
    r = client.request(method, path, headers={"accept": "text/html"})
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert message in r.text and f"<code>{code}</code>" in r.text and "返回首页" in r.text
    assert '<html lang="zh-CN"' in r.text and "请求编号" in r.text and "Traceback" not in r.text


def test_unexpected_errors_on_pages_show_no_traceback(app) -> None:
    @app.get("/boom-page")
    def boom() -> None:
        raise RuntimeError("secret internals 13812345678")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom-page", headers={"accept": "text/html"})
    assert r.status_code == 500 and "服务器内部错误" in r.text and "返回首页" in r.text
    assert "secret" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text

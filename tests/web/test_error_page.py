"""An error raised inside a page route still renders the full, friendly error page for the logged-in
person, even though the request's transaction rolled back."""

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

"""The accounts API end to end: registration, tokens, masking, roles, and the error envelope."""

from tests import factories as f


def _login(client, login, password=f.PASSWORD):
    return client.post("/api/auth/token", json={"login": login, "password": password})


def _bearer(client, login) -> dict[str, str]:
    return {"Authorization": f"Bearer {_login(client, login).json()['access_token']}"}


def test_citizen_registers_logs_in_and_sees_masked_identifiers(client, session) -> None:
    f.regions(session)
    number = f.id_number(701)
    r = client.post(
        "/api/auth/register/citizen",
        json={"name": "李明", "id_number": number, "password": f.PASSWORD, "phone": "13912345678"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id_number_masked"] == number[:4] + "**********" + number[-4:]
    assert body["phone_masked"] == "139****5678"
    assert number not in r.text
    me = client.get("/api/me", headers=_bearer(client, number))
    assert me.status_code == 200 and me.json()["display_name"] == "李明" and me.json()["roles"] == ["citizen"]


def test_invalid_id_number_is_a_422_naming_the_field(client) -> None:
    r = client.post(
        "/api/auth/register/citizen",
        json={"name": "李明", "id_number": "110105194912310021", "password": f.PASSWORD},
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_failed" and "校验位" in err["message"]
    assert err["details"] == [{"field": "id_number", "message": "身份证号校验位不正确"}]


def test_duplicate_registration_is_a_409(client, session) -> None:
    account = f.citizen(session)
    number = f.id_number(702)
    f.citizen(session, id_number=number)
    r = client.post(
        "/api/auth/register/citizen", json={"name": "王五", "id_number": number, "password": f.PASSWORD}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "account_exists"
    assert account.id


def test_missing_fields_are_listed_in_chinese(client) -> None:
    r = client.post("/api/auth/register/enterprise", json={"name": "某公司"})
    assert r.status_code == 422
    fields = {d["field"]: d["message"] for d in r.json()["error"]["details"]}
    assert fields == {"uscc": "必填", "password": "必填"}


def test_malformed_json_is_a_422_not_a_500(client) -> None:
    r = client.post(
        "/api/auth/token", content=b'{"login": "x", ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert "JSON" in r.json()["error"]["message"]


def test_wrong_password_is_counted_even_though_the_request_fails(client, session) -> None:
    account = f.staff(session, "approver", username="qian.ba")
    for _ in range(2):
        r = _login(client, "qian.ba", "wrong-pass1")
        assert r.status_code == 401 and r.json()["error"]["message"] == "账号或密码错误"
    session.refresh(account)
    assert account.failed_logins == 2
    _login(client, "qian.ba", "wrong-pass1")
    r = _login(client, "qian.ba", f.PASSWORD)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_refresh_rotates_and_reuse_is_refused(client, session) -> None:
    f.staff(session, "leader", username="zhou.jiu")
    tokens = _login(client, "zhou.jiu").json()
    new = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert new.status_code == 200 and new.json()["refresh_token"] != tokens["refresh_token"]
    again = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401 and again.json()["error"]["code"] == "refresh_token_reused"
    # The reuse revoked the family, and that revocation was committed.
    after = client.post("/api/auth/refresh", json={"refresh_token": new.json()["refresh_token"]})
    assert after.status_code == 401


def test_no_token_and_bad_token(client) -> None:
    assert client.get("/api/me").status_code == 401
    r = client.get("/api/me", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"


def test_admin_creates_staff_and_changes_roles_others_cannot(client, session) -> None:
    dept = f.department(session)
    f.staff(session, "platform_admin", username="root.admin")
    f.staff(session, "data_officer", username="officer.a", dept=dept)
    admin = _bearer(client, "root.admin")
    payload = {
        "username": "new.staff",
        "display_name": "新同事",
        "department_id": dept.id,
        "roles": ["approver"],
        "password": f.PASSWORD,
    }
    assert client.post("/api/accounts", json=payload, headers=_bearer(client, "officer.a")).status_code == 403
    created = client.post("/api/accounts", json=payload, headers=admin)
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    r = client.put(f"/api/accounts/{account_id}/roles", json={"roles": ["leader"]}, headers=admin)
    assert r.status_code == 200 and r.json()["roles"] == ["leader"]
    listing = client.get("/api/accounts", headers=admin).json()
    assert "new.staff" in {a["username"] for a in listing}
    assert (
        client.put("/api/accounts/999999/roles", json={"roles": ["leader"]}, headers=admin).status_code == 404
    )


def test_elder_mode_preference_persists(client, session) -> None:
    account = f.citizen(session)
    headers = _bearer(client, accounts_login(session, account))
    assert (
        client.put("/api/me/preferences", json={"elder_mode": True}, headers=headers).json()["elder_mode"]
        is True
    )
    assert client.get("/api/me", headers=headers).json()["elder_mode"] is True


def accounts_login(session, account) -> str:
    from shuzheng.security import pi

    return pi.reveal(pi.PIKind.ID_NUMBER, account.id_number_enc)


def test_cookie_session_on_api_needs_csrf_for_writes(client, session) -> None:
    from shuzheng.security import service

    account = f.citizen(session)
    raw = service.start_web_session(session, account)
    client.cookies.set("sz_session", raw)
    assert client.get("/api/me").status_code == 200
    r = client.put("/api/me/preferences", json={"elder_mode": True})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    client.cookies.set("sz_csrf", "tok123")
    r = client.put("/api/me/preferences", json={"elder_mode": True}, headers={"X-CSRF-Token": "tok123"})
    assert r.status_code == 200

"""The workbench over plain HTTP (`requests`): login, CSRF, cookies, access, error pages."""

import pytest
import requests

from casework.service import Who


@pytest.fixture
def water_case(casework):
    return casework.create_case(
        text="小区停水一天了，电话13812345678",
        label="help_request",
        caller="13812345678",
        units=["utility.water"],
    ).ref


def test_pages_redirect_to_login_when_signed_out(base_url, water_case):
    for path in ("/workbench/", f"/workbench/cases/{water_case}"):
        response = requests.get(base_url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    page = requests.get(f"{base_url}/workbench/", timeout=10)
    assert page.url.startswith(f"{base_url}/login") and "登录" in page.text


def test_the_session_cookie_is_httponly_and_samesite_lax(base_url, csrf_of):
    http = requests.Session()
    response = http.get(f"{base_url}/login", timeout=10)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_post_without_the_csrf_token_is_refused(base_url, sign_in, casework, water_case, csrf_of):
    http = sign_in("water")
    assert http.get(f"{base_url}/workbench/", timeout=10).status_code == 200
    url = f"{base_url}/workbench/cases/{water_case}/accept"
    assert http.post(url, timeout=10).status_code == 400
    assert http.post(url, data={"csrf_token": "made-up"}, timeout=10).status_code == 400
    assert casework.get_case(water_case).status == "assigned"
    # Another browser's token is no good either.
    other = sign_in("water")
    stolen = csrf_of(other.get(f"{base_url}/workbench/", timeout=10).text)
    assert http.post(url, data={"csrf_token": stolen}, timeout=10).status_code == 400
    # Logging in needs the token too.
    fresh = requests.Session()
    login = fresh.post(
        f"{base_url}/login", data={"username": "water", "password": "water-pass-2026"}, timeout=10
    )
    assert login.status_code == 400
    # With the page's own token the same request goes through.
    token = csrf_of(http.get(f"{base_url}/workbench/cases/{water_case}", timeout=10).text)
    done = http.post(url, data={"csrf_token": token}, timeout=10)
    assert done.status_code == 200 and "已签收" in done.text
    assert casework.get_case(water_case).status == "accepted"


def test_the_json_api_keeps_its_tokens_and_needs_no_csrf(base_url, casework, water_case):
    token = casework.issue_token("utility.water")
    response = requests.post(
        f"{base_url}/api/cases/{water_case}/accept",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert requests.get(f"{base_url}/api/cases", timeout=10).status_code == 401


def test_a_wrong_password_is_refused(base_url, csrf_of):
    http = requests.Session()
    token = csrf_of(http.get(f"{base_url}/login", timeout=10).text)
    response = http.post(
        f"{base_url}/login",
        data={"username": "water", "password": "not-the-password", "csrf_token": token},
        timeout=10,
    )
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert http.get(f"{base_url}/workbench/", allow_redirects=False, timeout=10).status_code == 302


def test_after_login_only_local_pages_are_returned_to(base_url, csrf_of, water_case):
    for target, lands in [
        (f"/workbench/cases/{water_case}", f"/workbench/cases/{water_case}"),
        ("//evil.example/x", "/workbench/"),
        ("https://evil.example/", "/workbench/"),
    ]:
        http = requests.Session()
        token = csrf_of(http.get(f"{base_url}/login", timeout=10).text)
        response = http.post(
            f"{base_url}/login",
            data={
                "username": "water",
                "password": "water-pass-2026",
                "csrf_token": token,
                "next": target,
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302 and response.headers["Location"] == lands


def test_logout_ends_the_session(base_url, sign_in, csrf_of):
    http = sign_in("water")
    token = csrf_of(http.get(f"{base_url}/workbench/", timeout=10).text)
    response = http.post(f"{base_url}/logout", data={"csrf_token": token}, timeout=10)
    assert response.url == f"{base_url}/login" and "您已安全退出" in response.text
    assert http.get(f"{base_url}/workbench/", allow_redirects=False, timeout=10).status_code == 302


def test_disabling_a_user_ends_their_session(base_url, sign_in, users):
    http = sign_in("water")
    users.disable("water")
    response = http.get(f"{base_url}/workbench/", allow_redirects=False, timeout=10)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_another_units_case_is_a_403_page_and_not_listed(base_url, sign_in, water_case, csrf_of):
    power = sign_in("power")
    listing = power.get(f"{base_url}/workbench/", timeout=10)
    assert water_case not in listing.text
    page = power.get(f"{base_url}/workbench/cases/{water_case}", timeout=10)
    assert page.status_code == 403 and "不由本单位承办" in page.text
    token = csrf_of(listing.text)
    for action, data in [("accept", {}), ("return", {"reason": "x"}), ("resolve", {"reply": "x"})]:
        response = power.post(
            f"{base_url}/workbench/cases/{water_case}/{action}",
            data={"csrf_token": token, **data},
            timeout=10,
        )
        assert response.status_code == 403, action
    missing = power.get(f"{base_url}/workbench/cases/TJ20990101-000001", timeout=10)
    assert missing.status_code == 404 and "没有找到" in missing.text


def test_center_roles_get_a_403_on_the_units_workbench(base_url, sign_in):
    page = sign_in("agent").get(f"{base_url}/workbench/", timeout=10)
    assert page.status_code == 403 and "仅供承办单位" in page.text


def test_refusals_are_chinese_messages_never_a_500(
    base_url, sign_in, casework, water_case, csrf_of
):
    http = sign_in("water")
    token = csrf_of(http.get(f"{base_url}/workbench/", timeout=10).text)

    def post(action, **data):
        return http.post(
            f"{base_url}/workbench/cases/{water_case}/{action}",
            data={"csrf_token": token, **data},
            timeout=10,
        )

    empty = post("return", reason="  ")
    assert empty.status_code == 400 and "请填写理由" in empty.text
    early = post("resolve", reply="已修好")
    assert early.status_code == 409 and "不能办结" in early.text and "待签收" in early.text
    assert post("accept").status_code == 200
    twice = post("accept")
    assert twice.status_code == 409 and "当前状态为“办理中”，不能签收" in twice.text
    for days in ("", "abc", "0", "99"):
        bad = post("extension", days=days, reason="材料未到")
        assert bad.status_code == 400 and "延期天数" in bad.text
        assert "材料未到" in bad.text  # what was typed is kept
    assert post("decision", admit="1").status_code == 400  # only reports need a decision
    assert casework.get_case(water_case).status == "accepted"
    assert casework.get_case(water_case).extension_status is None


def test_a_co_handler_reads_and_notes_but_cannot_act(base_url, sign_in, casework, csrf_of):
    ref = casework.create_case(
        text="停水又停电", label="help_request", units=["utility.water", "utility.power"]
    ).ref
    http = sign_in("power")
    page = http.get(f"{base_url}/workbench/cases/{ref}", timeout=10)
    assert (
        page.status_code == 200 and "协办单位" in page.text and 'id="form-accept"' not in page.text
    )
    token = csrf_of(page.text)
    refused = http.post(
        f"{base_url}/workbench/cases/{ref}/accept", data={"csrf_token": token}, timeout=10
    )
    assert refused.status_code == 403 and "只有主办单位" in refused.text
    noted = http.post(
        f"{base_url}/workbench/cases/{ref}/notes",
        data={"csrf_token": token, "text": "电力已恢复"},
        timeout=10,
    )
    assert noted.status_code == 200 and "电力已恢复" in noted.text
    assert [e.action for e in casework.history(ref)][-1] == "note"
    assert casework.get_case(ref).status == "assigned"
    assert casework.history(ref)[-1].actor == Who.unit_user("utility.power").name


def test_phone_numbers_are_masked_on_every_page(base_url, sign_in, water_case):
    http = sign_in("water")
    for path in ("/workbench/", f"/workbench/cases/{water_case}"):
        text = http.get(base_url + path, timeout=10).text
        assert "13812345678" not in text and "138****5678" in text


def test_repeated_wrong_passwords_are_throttled(base_url, csrf_of):
    http = requests.Session()
    token = csrf_of(http.get(f"{base_url}/login", timeout=10).text)

    def attempt(password):
        return http.post(
            f"{base_url}/login",
            data={"username": "water", "password": password, "csrf_token": token},
            timeout=10,
        )

    assert all(attempt(f"guess-{i}").status_code == 401 for i in range(10))
    refused = attempt("water-pass-2026")
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text

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


def test_phone_numbers_are_masked_on_every_page(base_url, sign_in, water_case, casework):
    # Numbers inside the history's free text too: a note, a caller's message, a reply.
    water = Who.unit_user("utility.water")
    casework.add_note(water_case, "来电留言：请回电13900001111或022-23456789", water)
    casework.accept(water_case, water)
    casework.resolve(water_case, "已联系13700002222，已恢复供水", water)
    http = sign_in("water")
    for path in ("/workbench/", f"/workbench/cases/{water_case}"):
        text = http.get(base_url + path, timeout=10).text
        assert "13812345678" not in text and "138****5678" in text
    page = http.get(f"{base_url}/workbench/cases/{water_case}", timeout=10).text
    for full, masked in [
        ("13900001111", "139****1111"),
        ("23456789", "022****6789"),
        ("13700002222", "137****2222"),
    ]:
        assert full not in page and masked in page


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


def test_an_absurd_page_number_is_clamped_not_a_500(base_url, sign_in, water_case):
    http = sign_in("water")
    for page in ("99999999999999999999", "-5", "abc"):
        response = http.get(f"{base_url}/workbench/?page={page}", timeout=10)
        assert response.status_code == 200, page


@pytest.mark.parametrize("dates", [("0001-01-01", "0001-01-05"), ("9999-12-30", "9999-12-31")])
@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/topics", "/dashboard/scores"])
def test_dashboard_dates_out_of_range_show_a_message_not_a_500(
    base_url, sign_in, users, path, dates
):
    users.create("chief", "chief-pass-2026", "supervisor")
    http = sign_in("chief", "chief-pass-2026")
    response = http.get(base_url + path, params={"from": dates[0], "to": dates[1]}, timeout=10)
    assert response.status_code == 200 and "近 7 天" in response.text


# ----------------------------------------------------------------- behind reverse proxies


@pytest.fixture
def proxied(casework, users, monkeypatch):
    """The app behind one trusted proxy (HOTLINE_PROXY_HOPS=1), on a real server."""
    from ivr.app import create_app
    from ivr.local_server import serving

    monkeypatch.setenv("HOTLINE_PROXY_HOPS", "1")
    with serving(create_app(casework=casework)) as url:
        yield url


def _wrong_passwords(base_url, csrf_of, forwarded_for: str | None, count: int) -> list[int]:
    http = requests.Session()
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_of(http.get(f"{base_url}/login", headers=headers, timeout=10).text)
    return [
        http.post(
            f"{base_url}/login",
            data={"username": "water", "password": f"guess-{i}", "csrf_token": token},
            headers=headers,
            timeout=10,
        ).status_code
        for i in range(count)
    ]


def test_behind_a_proxy_the_login_throttle_counts_each_client(proxied, csrf_of):
    assert _wrong_passwords(proxied, csrf_of, "203.0.113.7", 11)[-1] == 429
    # Another citizen behind the same proxy is not locked out by the first one's guesses.
    assert _wrong_passwords(proxied, csrf_of, "198.51.100.9", 1) == [401]


def test_without_proxy_hops_a_forged_forwarded_for_does_not_escape_the_throttle(base_url, csrf_of):
    assert _wrong_passwords(base_url, csrf_of, "203.0.113.7", 10) == [401] * 10
    assert _wrong_passwords(base_url, csrf_of, "198.51.100.9", 1) == [429]


def test_behind_a_proxy_twilio_signatures_still_check_out(proxied):
    from twilio.request_validator import RequestValidator

    from ivr.config import load_voice_settings

    settings = load_voice_settings()
    form = {
        "CallSid": "CA" + "d" * 32,
        "AccountSid": settings.account_sid,
        "From": "+8613812345678",
        "To": "+862288908890",
        "CallStatus": "ringing",
    }
    url = f"{proxied}/voice/incoming"
    https_url = url.replace("http://", "https://")
    validator = RequestValidator(settings.auth_token)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "54.172.60.1"}

    def post(signed_for: str) -> int:
        signature = validator.compute_signature(signed_for, form)
        return requests.post(
            url, data=form, headers={**headers, "X-Twilio-Signature": signature}, timeout=10
        ).status_code

    assert post(https_url) == 200
    assert post(url) == 403  # Twilio called https: a signature for http is not Twilio's


@pytest.mark.parametrize("value", ["-1", "two", "99"])
def test_a_bad_proxy_hops_setting_stops_the_start(casework, users, monkeypatch, value):
    from ivr.app import create_app

    monkeypatch.setenv("HOTLINE_PROXY_HOPS", value)
    with pytest.raises(ValueError, match="HOTLINE_PROXY_HOPS"):
        create_app(casework=casework)


# ----------------------------------------------------------------- the warm transfer's caller ID


def test_the_agents_caller_id_is_e164_like_the_callbacks(monkeypatch, app):
    from callbacks.settings import CallbackSettings
    from ivr.config import load_transfer_settings

    monkeypatch.delenv("HOTLINE_AGENT_CALLER_ID", raising=False)
    assert load_transfer_settings().caller_id == "+862288908890"
    assert app.extensions["transfer_settings"].caller_id == CallbackSettings().from_number
    monkeypatch.setenv("HOTLINE_AGENT_CALLER_ID", "+862223456789")
    assert load_transfer_settings().caller_id == "+862223456789"


@pytest.mark.parametrize("value", ["88908890", "022-88908890", "+0228890", "86 22 88908890"])
def test_a_caller_id_that_is_not_e164_stops_the_start(casework, users, monkeypatch, value):
    from ivr.app import create_app

    monkeypatch.setenv("HOTLINE_AGENT_CALLER_ID", value)
    with pytest.raises(ValueError, match=r"HOTLINE_AGENT_CALLER_ID must be an E\.164 number"):
        create_app(casework=casework)

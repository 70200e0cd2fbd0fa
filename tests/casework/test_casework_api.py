"""The units' JSON API: per-unit tokens, and a unit sees and changes only its own cases."""

import pytest

from ivr.app import create_app


@pytest.fixture
def client(casework):
    app = create_app(casework=casework)
    app.testing = True
    return app.test_client()


@pytest.fixture
def tokens(casework):
    return {
        code: casework.issue_token(code)
        for code in ("utility.water", "utility.power", "office.approval")
    }


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def water_case(casework):
    return casework.create_case(
        text="小区停水一天了", label="help_request", caller="13812345678", units=["utility.water"]
    ).ref


def test_no_token_or_a_wrong_one_is_401(client, water_case):
    assert client.get("/api/cases").status_code == 401
    response = client.get("/api/cases", headers=auth("made-up"))
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_a_revoked_token_stops_working(client, casework, tokens):
    assert client.get("/api/me", headers=auth(tokens["utility.water"])).json == {
        "unit": "utility.water"
    }
    casework.revoke_tokens("utility.water")
    assert client.get("/api/me", headers=auth(tokens["utility.water"])).status_code == 401


def test_a_unit_lists_only_its_own_cases_with_masked_numbers(client, casework, tokens, water_case):
    casework.create_case(text="停电了", label="help_request", units=["utility.power"])
    listed = client.get("/api/cases", headers=auth(tokens["utility.water"])).json["cases"]
    assert [c["ref"] for c in listed] == [water_case]
    assert listed[0]["caller"] == "138****5678"
    assert (
        "13812345678"
        not in client.get(f"/api/cases/{water_case}", headers=auth(tokens["utility.water"])).text
    )


def test_another_units_case_is_403_for_reading_and_changing(client, tokens, water_case, casework):
    power = auth(tokens["utility.power"])
    assert client.get(f"/api/cases/{water_case}", headers=power).status_code == 403
    for action, body in [
        ("accept", None),
        ("return", {"reason": "x"}),
        ("resolve", {"reply": "x"}),
        ("notes", {"text": "x"}),
    ]:
        response = client.post(f"/api/cases/{water_case}/{action}", headers=power, json=body)
        assert response.status_code == 403, action
        assert response.json["error"] == "forbidden"
    assert casework.get_case(water_case).status == "assigned"
    assert len(casework.history(water_case)) == 2


def test_the_whole_job_through_the_api(client, tokens, water_case, casework):
    water = auth(tokens["utility.water"])
    assert client.post(f"/api/cases/{water_case}/accept", headers=water).json["status"] == (
        "accepted"
    )
    ext = client.post(
        f"/api/cases/{water_case}/extension",
        headers=water,
        json={"days": 2, "reason": "需要更换水表"},
    )
    assert ext.status_code == 200 and ext.json["extension_status"] == "requested"
    done = client.post(
        f"/api/cases/{water_case}/resolve", headers=water, json={"reply": "已更换水表，恢复供水"}
    )
    assert done.json["status"] == "resolved"
    shown = client.get(f"/api/cases/{water_case}", headers=water).json
    assert [e["action"] for e in shown["history"]] == [
        "register",
        "assign",
        "accept",
        "request_extension",
        "resolve",
    ]
    assert client.get("/api/notices", headers=water).json["notices"][0]["kind"] == "assigned"


def test_return_and_illegal_moves_get_clear_errors(client, tokens, water_case):
    water = auth(tokens["utility.water"])
    missing = client.post(f"/api/cases/{water_case}/return", headers=water, json={})
    assert missing.status_code == 400 and "reason" in missing.json["message"]
    ok = client.post(
        f"/api/cases/{water_case}/return",
        headers=water,
        json={"reason": "属于小区内部管道，请转物业"},
    )
    assert ok.json["status"] == "returned"
    again = client.post(f"/api/cases/{water_case}/accept", headers=water)
    assert again.status_code == 403  # no longer theirs


def test_an_illegal_transition_is_409(client, tokens, water_case):
    water = auth(tokens["utility.water"])
    response = client.post(f"/api/cases/{water_case}/resolve", headers=water, json={"reply": "x"})
    assert response.status_code == 409 and response.json["error"] == "illegal_transition"


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("return", "not json at all", "application/json"),
        ("return", "[1, 2]", "application/json"),
        ("return", '{"reason": 42}', "application/json"),
        ("extension", '{"days": "many", "reason": "x"}', "application/json"),
        ("extension", '{"until": "next week", "reason": "x"}', "application/json"),
    ],
)
def test_garbage_bodies_are_400_and_change_nothing(
    client, tokens, water_case, casework, path, body, content_type
):
    water = auth(tokens["utility.water"])
    if path == "extension":
        client.post(f"/api/cases/{water_case}/accept", headers=water)
    before = casework.get_case(water_case)
    response = client.post(
        f"/api/cases/{water_case}/{path}", headers=water, data=body, content_type=content_type
    )
    assert response.status_code == 400 and response.is_json
    assert casework.get_case(water_case) == before


def test_unknown_case_is_404_json(client, tokens):
    response = client.get("/api/cases/TJ20991231-000001", headers=auth(tokens["utility.water"]))
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_the_approval_office_sees_escalated_cases_and_designates(
    client, casework, tokens, water_case
):
    office = auth(tokens["office.approval"])
    assert client.get(f"/api/cases/{water_case}", headers=office).status_code == 403
    casework.escalate(water_case, "供水还是物业，职责不清")
    assert [c["ref"] for c in client.get("/api/cases", headers=office).json["cases"]] == [
        water_case
    ]
    response = client.post(
        f"/api/cases/{water_case}/designate",
        headers=office,
        json={"lead": "utility.water", "co_handlers": ["bureau.housing"]},
    )
    assert response.status_code == 200
    assert response.json["unit"] == "utility.water" and response.json["lead_designated"]
    water = auth(tokens["utility.water"])
    assert (
        client.post(
            f"/api/cases/{water_case}/designate", headers=water, json={"lead": "utility.power"}
        ).status_code
        == 403
    )


def test_health_reports_database_and_missing_holiday_years(client):
    body = client.get("/health").json
    assert body["status"] == "ok" and body["database"] == "ok"
    assert isinstance(body["calendar"]["missing_years"], list)

"""Open311 GeoReport v2 over real HTTP against the app on a real database, checked against the
spec's examples (field names, formats, error lists)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import requests
from click.testing import CliRunner

from casework.apikeys import ApiKeys
from casework.outbox import status_counts
from casework.service import Who
from ivr.cli import main

CITIZEN = "13812345678"
W3 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
# GET Service Requests in the spec's example answer: every field, in this set.
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def api(app_url):
    return f"{app_url}/open311/v2"


@pytest.fixture
def api_key(casework) -> str:
    return ApiKeys(casework.db, casework.clock).add("tianjin-app", "app")


@pytest.fixture
def post(api, api_key):
    def send(key: str | None = "default", **fields):
        form = {"service_code": "help_request", "address_string": "和平区南京路100号", **fields}
        if key is not None:
            form["api_key"] = api_key if key == "default" else key
        return requests.post(f"{api}/requests.json", data=form, timeout=20)

    return send


def spec_error(response, code: int) -> str:
    assert response.status_code == code, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    [item] = response.json()
    assert set(item) == {"code", "description"} and item["code"] == code
    return item["description"]


def test_service_list_has_the_spec_fields(api):
    response = requests.get(f"{api}/services.json", timeout=10)
    assert response.status_code == 200
    services = response.json()
    codes = [s["service_code"] for s in services]
    assert codes[:2] == ["help_request", "complaint"]
    assert "emergency" not in codes and "enterprise_service" not in codes
    for s in services:
        assert set(s) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
        assert s["metadata"] is False and s["type"] == "realtime"
        assert isinstance(s["keywords"], str)
    assert services[0]["service_name"] == "求助"
    definition = requests.get(f"{api}/services/help_request.json", timeout=10).json()
    assert definition == {"service_code": "help_request", "attributes": []}
    spec_error(requests.get(f"{api}/services/nope.json", timeout=10), 404)


def test_xml_and_unknown_jurisdiction_answer_the_spec_error(api):
    assert "JSON only" in spec_error(requests.get(f"{api}/services.xml", timeout=10), 400)
    wrong = requests.get(f"{api}/services.json?jurisdiction_id=beijing.gov.cn", timeout=10)
    assert "jurisdiction_id" in spec_error(wrong, 404)
    assert requests.get(f"{api}/services.json?jurisdiction_id=tianjin.gov.cn", timeout=10).ok


def test_post_creates_a_dispatched_case_on_the_app_channel(post, casework, api):
    response = post(
        description="小区停水两天了，电话13812345678",
        lat="39.1175",
        long="117.1995",
        phone=CITIZEN,
        email="someone@example.com",
        device_id="dev-1",
        media_url="https://example.com/photo.jpg",
    )
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    ref = created["service_request_id"]
    assert re.match(r"^TJ\d{8}-\d{6}$", ref)
    assert ref in created["service_notice"] and "水务" in created["service_notice"]
    case = casework.get_case(ref)
    assert case.channel == "app" and case.label == "help_request"
    assert case.unit == "utility.water" and case.status == "assigned"
    assert case.caller == "138****5678"

    [one] = requests.get(f"{api}/requests/{ref}.json", timeout=10).json()
    assert set(one) == REQUEST_FIELDS
    assert one["service_request_id"] == ref and one["status"] == "open"
    assert one["service_code"] == "help_request" and one["service_name"] == "求助"
    assert one["lat"] == pytest.approx(39.1175) and one["long"] == pytest.approx(117.1995)
    assert one["address"] == "和平区南京路100号"
    assert one["media_url"] == "https://example.com/photo.jpg"
    assert one["agency_responsible"] == case.unit_name
    assert W3.match(one["requested_datetime"]) and one["requested_datetime"].endswith("+08:00")
    assert W3.match(one["expected_datetime"])
    assert CITIZEN not in json.dumps(one, ensure_ascii=False)
    assert "138****5678" in one["description"]


def test_statuses_map_to_open_and_closed_and_filters_work(post, casework, api, clock):
    water = post(description="小区停水两天了").json()[0]["service_request_id"]
    clock.advance(hours=1)
    report = post(service_code="report_violation", description="举报一家饭店无证经营").json()[0][
        "service_request_id"
    ]
    casework.create_case(text="电话里说的事", label="help_request", caller=CITIZEN)  # phone
    casework.create_case(text="网上留言的事", label="help_request", channel="web")  # web form
    unit = Who.unit_user("utility.water")
    casework.accept(water, unit)
    casework.resolve(water, "已恢复供水，如有问题请拨打022-23456789", unit)

    def get(**params):
        response = requests.get(f"{api}/requests.json", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    everything = get()
    assert [r["service_request_id"] for r in everything] == [report, water]  # Open311 only
    assert [r["status"] for r in everything] == ["open", "closed"]
    closed = everything[1]
    assert (
        closed["status_notes"].startswith("已恢复供水") and "23456789" not in closed["status_notes"]
    )
    assert [r["service_request_id"] for r in get(status="closed")] == [water]
    assert [r["service_request_id"] for r in get(status="open")] == [report]
    assert [r["service_request_id"] for r in get(service_code="report_violation")] == [report]
    both = get(service_request_id=f"{water},{report}", status="open")  # ids override the rest
    assert {r["service_request_id"] for r in both} == {water, report}

    created = clock().astimezone(dt.timezone(dt.timedelta(hours=8)))
    start = (created - dt.timedelta(minutes=30)).isoformat(timespec="seconds")
    assert [r["service_request_id"] for r in get(start_date=start)] == [report]
    end = (created - dt.timedelta(minutes=30)).isoformat(timespec="seconds")
    assert [r["service_request_id"] for r in get(end_date=end)] == [water]
    bad = requests.get(f"{api}/requests.json", params={"start_date": "yesterday"}, timeout=10)
    assert "start_date" in spec_error(bad, 400)
    naive = requests.get(
        f"{api}/requests.json", params={"end_date": "2026-11-25T10:00"}, timeout=10
    )
    assert "time zone" in spec_error(naive, 400)
    assert "status" in spec_error(requests.get(f"{api}/requests.json?status=x", timeout=10), 400)
    spec_error(requests.get(f"{api}/requests/TJ20260101-999999.json", timeout=10), 404)


def test_dates_out_of_range_get_the_spec_error_not_a_500(api):
    for params in (
        {"end_date": "0001-01-01T00:00:00Z"},
        {"start_date": "0001-01-01T00:00:00+08:00"},
        {"end_date": "9999-12-31T23:59:59-12:00"},
    ):
        response = requests.get(f"{api}/requests.json", params=params, timeout=10)
        assert "2000-01-01" in spec_error(response, 400), params


def test_posting_needs_a_valid_key(post, casework):
    assert "api_key" in spec_error(post(key=None, description="小区停水两天了"), 403)
    assert "api_key" in spec_error(post(key="guess", description="小区停水两天了"), 403)
    ApiKeys(casework.db).revoke("tianjin-app")
    spec_error(post(description="小区停水两天了"), 403)
    assert casework.list_cases() == []


def test_bad_input_gets_a_clear_error_and_no_case(post, casework):
    assert "service_code" in spec_error(post(service_code="pizza", description="停水"), 400)
    assert "description" in spec_error(post(description="  "), 400)
    assert "location" in spec_error(post(description="停水", address_string=""), 400)
    assert "lat" in spec_error(post(description="停水", address_string="", lat="91", long="1"), 400)
    assert "lat" in spec_error(post(description="停水", lat="abc", long="1"), 400)
    assert "phone" in spec_error(post(description="停水", phone="12345"), 400)
    assert "2000" in spec_error(post(description="停" * 2001), 400)
    for junk in ("。。。。", "？！…", "x"):
        assert "no words" in spec_error(post(description=junk), 400)
    assert casework.list_cases() == []


def test_an_emergency_is_told_the_number_and_makes_no_case(post, casework):
    text = spec_error(post(description="救命 着火了 楼道里全是烟"), 400)
    assert "119" in text and "立即拨打" in text
    assert casework.list_cases() == []


def test_matters_the_hotline_may_not_take_are_explained(post, casework):
    assert "调解" in spec_error(post(description="邻居欠我五万块钱一直不还"), 400)
    assert "法院" in spec_error(post(description="这个案子已经在法院起诉了"), 400)
    enterprises = spec_error(post(description="我把钥匙锁在家里了，想找人开锁"), 400)
    assert "加盟企业" in enterprises
    assert casework.list_cases() == []


def test_an_enforcement_grievance_from_an_app_goes_to_the_outbox(post, casework):
    response = post(
        service_code="enforcement_grievance", description="城管执法人员把我的三轮车没收了还打了我"
    )
    ref = response.json()[0]["service_request_id"]
    assert casework.get_case(ref).unit == "bureau.urban_management"
    assert status_counts(casework.db)["pending"] == 1


def test_an_inquiry_gets_a_case_and_the_answer_in_the_notice(post, casework):
    [created] = post(service_code="inquiry", description="办理居住证需要什么材料").json()
    assert "参考" in created["service_notice"]
    assert casework.get_case(created["service_request_id"]).label == "inquiry"


def test_apikeys_cli_shows_the_key_once_and_stores_only_its_hash(database_url, casework):
    runner = CliRunner()
    added = runner.invoke(main, ["apikeys", "add", "gov-web", "--channel", "web", "--json"])
    assert added.exit_code == 0, added.output
    key = json.loads(added.output)["api_key"]
    listed = runner.invoke(main, ["apikeys", "list", "--json"]).output
    assert key not in listed and json.loads(listed)[0]["channel"] == "web"
    assert ApiKeys(casework.db).check(key).channel == "web"
    again = runner.invoke(main, ["apikeys", "add", "gov-web"])
    assert again.exit_code == 1 and "exists already" in again.output
    assert runner.invoke(main, ["apikeys", "revoke", "gov-web"]).exit_code == 0
    assert ApiKeys(casework.db).check(key) is None
    assert runner.invoke(main, ["apikeys", "revoke", "nobody"]).exit_code == 1

"""Units from the operators' file: upsert by code, deactivation keeps history."""

import pytest

from casework.config import REPO_ROOT
from casework.lifecycle import InvalidInput
from casework.service import Who
from casework.units_file import UnitsFileError, UnitSpec, read_units_file

DISTRICTS = {
    "和平区",
    "河东区",
    "河西区",
    "南开区",
    "河北区",
    "红桥区",
    "东丽区",
    "西青区",
    "津南区",
    "北辰区",
    "武清区",
    "宝坻区",
    "宁河区",
    "静海区",
    "蓟州区",
    "滨海新区",
}


def test_shipped_units_cover_districts_bureaus_utilities_office_center():
    specs = read_units_file(REPO_ROOT / "data" / "units.yaml")
    assert {s.district for s in specs if s.kind == "district"} == DISTRICTS
    codes = {s.code for s in specs}
    for code in (
        "bureau.public_security",
        "bureau.housing",
        "bureau.urban_management",
        "bureau.ecology",
        "bureau.market",
        "bureau.hrss",
        "bureau.medical_insurance",
        "bureau.education",
        "bureau.transport",
        "bureau.water",
        "bureau.civil_affairs",
        "bureau.health",
        "utility.water",
        "utility.power",
        "utility.gas",
        "utility.heating",
        "office.approval",
        "center.hotline",
    ):
        assert code in codes
    assert all(s.name and s.kind for s in specs)


def test_reload_updates_names_and_deactivation_keeps_cases(casework):
    case = casework.create_case(text="x", label="help_request", units=["utility.gas"])
    renamed = UnitSpec(
        "utility.gas",
        "天津燃气集团（新名称）",
        "utility",
        None,
        ("help_request",),
        ("燃气",),
        False,
    )
    report = casework.load_units([renamed])
    assert report.updated == ["utility.gas"] and report.deactivated == ["utility.gas"]
    assert "district.hexi" in report.not_in_file  # reported, never deleted
    shown = casework.get_case(case.ref)
    assert shown.unit == "utility.gas" and shown.unit_name == "天津燃气集团（新名称）"
    assert len(casework.history(case.ref)) == 2
    with pytest.raises(InvalidInput, match="deactivated"):
        casework.create_case(text="y", label="help_request", units=["utility.gas"])
    # The deactivated unit still finishes what it has.
    casework.accept(case.ref, Who.unit_user("utility.gas"))
    active = {u.code for u in casework.list_units(active_only=True)}
    assert "utility.gas" not in active and "district.hexi" in active


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("units: []\n", "non-empty list"),
        ("units:\n  - name: 无代码\n    kind: bureau\n", "'code' is missing"),
        (
            "units:\n  - {code: a, name: A, kind: bureau}\n  - {code: a, name: B, kind: bureau}\n",
            "appears twice",
        ),
        ("units:\n  - {code: a, name: A, kind: bureau, keywords: 燃气}\n", "must be a list"),
        ("units: [\n", "units.yaml"),
    ],
)
def test_bad_units_files_name_the_problem(tmp_path, content, message):
    path = tmp_path / "units.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnitsFileError, match=message):
        read_units_file(path)

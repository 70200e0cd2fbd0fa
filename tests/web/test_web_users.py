"""Back-office users: hashed passwords, roles, units, disabling; and `ivr users`."""

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from casework.config import REPO_ROOT
from casework.lifecycle import InvalidInput, NotFound
from casework.units_file import read_units_file
from casework.users import User, Users
from ivr.cli import main


@pytest.fixture
def people(casework) -> Users:
    return Users(casework.db, casework.clock)


def test_passwords_are_stored_hashed_and_checked(people, casework):
    made = people.create("hexi.wang", "correct horse", "unit", "district.hexi")
    assert (made.role, made.unit, made.active) == ("unit", "district.hexi", True)
    with casework.db.transaction() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "hexi.wang"))
    assert "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    signed_in = people.authenticate("hexi.wang", "correct horse")
    assert signed_in is not None and signed_in.unit == "district.hexi"
    assert signed_in.last_login_at == casework.clock()
    assert people.authenticate("hexi.wang", "wrong horse") is None
    assert people.authenticate("nobody", "correct horse") is None
    assert people.authenticate("", "") is None
    assert "password" not in json.dumps(signed_in.to_dict())


def test_roles_and_units_are_checked(people):
    with pytest.raises(InvalidInput, match="needs a unit"):
        people.create("u1", "long enough", "unit")
    with pytest.raises(NotFound):
        people.create("u1", "long enough", "unit", "district.atlantis")
    with pytest.raises(InvalidInput, match="only unit users"):
        people.create("a1", "long enough", "agent", "district.hexi")
    with pytest.raises(InvalidInput, match="unknown role"):
        people.create("a1", "long enough", "boss")
    with pytest.raises(InvalidInput, match="at least 8"):
        people.create("a1", "short", "agent")
    with pytest.raises(InvalidInput, match="username"):
        people.create("<script>", "long enough", "agent")
    for role in ("agent", "supervisor", "admin"):
        assert people.create(f"{role}1", "long enough", role).unit is None
    with pytest.raises(InvalidInput, match="taken"):
        people.create("agent1", "another one", "supervisor")


def test_a_disabled_user_or_a_changed_password_ends_sign_in(people):
    user = people.create("sup", "first password", "supervisor")
    assert people.signed_in(user.id, user.stamp) is not None
    people.set_password("sup", "second password")
    assert people.signed_in(user.id, user.stamp) is None  # the old session ends
    assert people.authenticate("sup", "first password") is None
    again = people.authenticate("sup", "second password")
    people.disable("sup")
    assert people.authenticate("sup", "second password") is None
    assert people.signed_in(again.id, again.stamp) is None
    people.set_active("sup", True)
    assert people.authenticate("sup", "second password") is not None
    with pytest.raises(NotFound):
        people.disable("nobody")


def test_a_unit_user_of_a_deactivated_unit_cannot_sign_in(people, casework):
    people.create("water", "long enough", "unit", "utility.water")
    specs = read_units_file(REPO_ROOT / "data" / "units.yaml")
    casework.load_units(
        [replace(u, active=False) if u.code == "utility.water" else u for u in specs]
    )
    assert people.authenticate("water", "long enough") is None


@pytest.fixture
def ivr(database_url):
    runner = CliRunner()

    def run(*args, input=None, ok=True):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("units", "load")
    return run


def test_cli_adds_lists_and_disables_users(ivr, casework):
    added = ivr(
        "users",
        "add",
        "water1",
        "--role",
        "unit",
        "--unit",
        "utility.water",
        input="s3cret-water\ns3cret-water\n",
    )
    assert "added water1 (unit of utility.water)" in added.output
    assert "s3cret-water" not in added.output
    ivr("users", "add", "boss", "--role", "admin", "--password-stdin", input="admin-pass-1\n")
    listed = json.loads(ivr("users", "list", "--json").output)
    assert [(u["username"], u["role"], u["unit"], u["active"]) for u in listed] == [
        ("boss", "admin", None, True),
        ("water1", "unit", "utility.water", True),
    ]
    people = Users(casework.db)
    assert people.authenticate("water1", "s3cret-water") is not None
    assert people.authenticate("boss", "admin-pass-1") is not None

    assert "disabled water1" in ivr("users", "disable", "water1").output
    assert people.authenticate("water1", "s3cret-water") is None
    assert "disabled" in ivr("users", "list").output

    ivr("users", "passwd", "boss", "--password-stdin", input="admin-pass-2\n")
    assert people.authenticate("boss", "admin-pass-2") is not None


def test_cli_refuses_bad_input_with_a_message(ivr):
    missing_unit = ivr(
        "users", "add", "x1", "--role", "unit", "--password-stdin", input="long enough\n", ok=False
    )
    assert missing_unit.exit_code == 1 and "needs a unit" in missing_unit.output
    short = ivr(
        "users", "add", "x1", "--role", "agent", "--password-stdin", input="short\n", ok=False
    )
    assert short.exit_code == 1 and "at least 8" in short.output
    bad_role = ivr("users", "add", "x1", "--role", "boss", "--password-stdin", ok=False)
    assert bad_role.exit_code == 2
    nobody = ivr("users", "disable", "nobody", ok=False)
    assert nobody.exit_code == 1 and "no user" in nobody.output

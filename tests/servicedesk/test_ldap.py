"""Sign-in with an LDAP password against a real slapd on a local port (tests/servicedesk/ldap_server.py), through the
real sign-in form; django-auth-ldap and python-ldap run unmocked."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cmdb.models import SupportGroup
from servicedesk.env import env_dn_map
from servicedesk.sso.directory import dn_key
from tests.factories import PASSWORD
from tests.servicedesk.ldap_server import ADMINS, NETWORK, OPERATORS, SLAPD, LDAPServer, configure, free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(SLAPD).exists(), reason="slapd is not installed (apt-get install slapd ldap-utils)"),
]


@pytest.fixture
def directory(settings):
    with LDAPServer() as server:
        configure(settings, server)
        yield server


@pytest.fixture
def network_operations(db):
    return SupportGroup.objects.create(name="Network operations")


def sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).username if user_id else None


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "servicedesk.security"]


def test_the_sign_in_page_names_the_directory(client, directory, settings):
    settings.PASSWORD_SIGN_IN = False

    page = client.get(reverse("login"))

    assert "Sign in with your user name and password of the Example directory." in page.text
    assert 'name="password"' in page.text


def test_first_sign_in_creates_the_account_with_its_role_and_support_group(
    client, directory, network_operations, caplog
):
    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        response = sign_in(client, "nora", "nora-secret")

    assert response.status_code == 302
    assert signed_in_as(client) == "nora"
    nora = get_user_model().objects.get(username="nora")
    assert (nora.first_name, nora.last_name, nora.email) == ("Nora", "Network", "nora@example.org")
    assert not nora.has_usable_password()
    assert roles_of(nora) == {"Service desk"}
    assert list(network_operations.members.all()) == [nora]
    assert security_lines(caplog) == [
        "ldap sign-in: username='nora' address=127.0.0.1 agent='' "
        "detail=\"roles=['Service desk'] support_groups=['Network operations'] account created\"",
        "sign-in: username='nora' address=127.0.0.1 agent=''",
    ]
    assert "nora-secret" not in "\n".join(record.getMessage() for record in caplog.records)


def test_the_session_loads_its_user_with_the_bell_like_a_password_sign_in(client, directory):
    sign_in(client, "nora", "nora-secret")

    assert client.session["_auth_user_backend"] == "servicedesk.sso.directory.LDAPSignIn"
    assert client.get(reverse("home")).status_code == 200


def test_a_changed_membership_changes_roles_and_groups_at_the_next_sign_in(
    client, directory, network_operations, operator
):
    sign_in(client, "nora", "nora-secret")
    client.post(reverse("logout"))
    directory.set_members(OPERATORS, [])
    directory.set_members(NETWORK, [])
    directory.set_members(ADMINS, ["nora"])

    response = sign_in(client, "nora", "nora-secret")

    assert response.status_code == 302
    nora = get_user_model().objects.get(username="nora")
    assert nora.is_superuser
    assert nora.is_staff
    assert roles_of(nora) == set()
    assert not network_operations.members.exists()


def test_a_wrong_password_is_refused_and_counted_by_axes(client, directory, caplog):
    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        response = sign_in(client, "nora", "not-her-password")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert signed_in_as(client) is None
    assert not get_user_model().objects.filter(username="nora").exists()
    assert AccessAttempt.objects.get(username="nora").failures_since_start == 1
    assert security_lines(caplog) == ["sign-in failed: username='nora' address=127.0.0.1 agent=''"]
    assert "not-her-password" not in "\n".join(record.getMessage() for record in caplog.records)


def test_repeated_wrong_passwords_lock_the_account_before_the_directory_is_asked(client, directory, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "nora", "not-her-password")

    response = sign_in(client, "nora", "nora-secret")

    assert response.status_code == 429
    assert signed_in_as(client) is None


def test_a_person_without_a_mapped_group_is_refused_with_the_message(client, directory, caplog):
    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        response = sign_in(client, "paul", "paul-secret")

    assert response.status_code == 200
    assert "Your account at the Example directory gives you no role in the service desk." in response.text
    assert "Please enter a correct username and password" not in response.text
    assert signed_in_as(client) is None
    assert not get_user_model().objects.filter(username="paul").exists()
    assert (
        security_lines(caplog)[0] == "ldap sign-in refused: username='paul' address=127.0.0.1 agent='' detail='no role'"
    )


def test_without_required_roles_a_person_without_role_may_sign_in(client, directory, settings):
    settings.LDAP_REQUIRE_ROLE = False

    sign_in(client, "paul", "paul-secret")

    assert signed_in_as(client) == "paul"
    assert roles_of(get_user_model().objects.get(username="paul")) == set()


def test_the_directory_signs_in_while_local_passwords_are_off(client, directory, settings, operator):
    settings.PASSWORD_SIGN_IN = False

    assert sign_in(client, "olivia", PASSWORD).status_code == 200
    sign_in(client, "nora", "nora-secret")

    assert signed_in_as(client) == "nora"


def test_an_administrators_local_account_is_never_looked_up_in_the_directory(client, directory, administrator):
    response = sign_in(client, "ada", "whatever the directory says")

    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert get_user_model().objects.get(username="ada").has_usable_password()


def test_with_the_directory_down_the_local_administrator_signs_in_and_others_are_told(
    client, settings, administrator, caplog
):
    with LDAPServer() as server:
        configure(settings, server)
    settings.LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}"  # nothing listens there

    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        refused = sign_in(client, "nora", "nora-secret")

    assert refused.status_code == 200
    assert "The Example directory cannot be reached, so your password cannot be checked." in refused.text
    assert signed_in_as(client) is None
    assert security_lines(caplog)[0] == (
        "ldap sign-in refused: username='nora' address=127.0.0.1 agent='' detail='directory error: SERVER_DOWN'"
    )

    assert sign_in(client, "ada", PASSWORD).status_code == 302
    assert signed_in_as(client) == "ada"


def test_role_maps_by_dn_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LDAP_ROLE_MAP", "cn=sd-operators,ou=groups,dc=example,dc=org => Service desk; cn=x,dc=y=>Z;")

    assert env_dn_map("LDAP_ROLE_MAP") == {
        "cn=sd-operators,ou=groups,dc=example,dc=org": "Service desk",
        "cn=x,dc=y": "Z",
    }
    monkeypatch.setenv("LDAP_ROLE_MAP", "cn=sd-operators,ou=groups,dc=example,dc=org=Service desk")
    with pytest.raises(ImproperlyConfigured, match="group DN => name"):
        env_dn_map("LDAP_ROLE_MAP")


def test_dns_compare_without_case_or_spaces():
    assert dn_key("CN=SD-Operators, OU=Groups,DC=Example, DC=org") == "cn=sd-operators,ou=groups,dc=example,dc=org"


def test_a_role_map_naming_no_role_fails_the_checks(settings):
    from servicedesk.sso.checks import check_role_map

    settings.LDAP_ROLE_MAP = {OPERATORS: "Service Desk"}

    assert [problem.id for problem in check_role_map()] == ["servicedesk.E026"]

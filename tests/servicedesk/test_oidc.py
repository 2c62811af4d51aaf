"""Single sign-on with OpenID Connect against a real provider on a local port (tests/servicedesk/oidc_provider.py):
the test client goes to the provider and back as a browser would; mozilla-django-oidc runs unmocked."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
import requests
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.urls import reverse

from cmdb.models import SupportGroup
from tests.factories import PASSWORD, UserFactory
from tests.servicedesk.oidc_provider import CLIENT_ID, CLIENT_SECRET, OIDCProvider, configure

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/oidc/callback/"
PERSON = {
    "sub": "f3b1c2d4",
    "preferred_username": "nora",
    "email": "nora@example.com",
    "given_name": "Nora",
    "family_name": "Network",
    "groups": ["sd-support", "net-ops", "everyone"],
}


@pytest.fixture
def provider(settings):
    with OIDCProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[CALLBACK]) as idp:
        configure(settings, idp)
        idp.person = dict(PERSON)
        yield idp


@pytest.fixture
def network_operations(db):
    return SupportGroup.objects.create(name="Network operations")


def sso_sign_in(client, next_url: str = ""):
    """Start at the portal, let the provider approve, come back to the callback: the callback's response."""
    start = client.get(reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return client.get(f"{back.path}?{back.query}")


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).username if user_id else None


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_the_sign_in_page_offers_the_provider(client, provider):
    page = client.get(reverse("login"))

    assert "Sign in with Test ID" in page.text
    assert 'name="password"' in page.text


def test_without_a_provider_there_is_no_button_and_no_flow(client):
    assert "Sign in with" not in client.get(reverse("login")).text
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


def test_first_sign_in_creates_the_account_with_its_role_and_support_group(client, provider, network_operations):
    response = sso_sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client) == "nora"
    nora = get_user_model().objects.get(username="nora")
    assert (nora.first_name, nora.last_name, nora.email) == ("Nora", "Network", "nora@example.com")
    assert not nora.has_usable_password()
    assert roles_of(nora) == {"Support"}
    assert list(network_operations.members.all()) == [nora]
    assert not nora.is_superuser
    home = client.get("/")
    assert "You work here as Support group member." in home.text


def test_the_flow_uses_pkce_a_nonce_and_the_client_secret(client, provider):
    start = client.get(reverse("oidc_authentication_init"))
    query = dict(part.split("=", 1) for part in urlsplit(start["Location"]).query.split("&"))
    assert query["code_challenge_method"] == "S256"
    assert query["nonce"]
    assert query["state"]

    client.logout()
    sso_sign_in(client)

    sent = provider.token_requests[-1]
    assert sent["client_secret"] == "test-client-secret"
    assert len(sent["code_verifier"]) >= 43


def test_the_session_loads_its_user_with_the_bell_like_a_password_sign_in(client, provider):
    sso_sign_in(client)

    assert client.session["_auth_user_backend"] == "incidents.mail.bell.StaffBackend"


def test_a_later_sign_in_follows_the_providers_groups_and_keeps_unmanaged_ones(client, provider, network_operations):
    sso_sign_in(client)
    nora = get_user_model().objects.get(username="nora")
    databases = SupportGroup.objects.create(name="Databases")
    hand_made = SupportGroup.objects.create(name="Printers")
    hand_made.members.add(nora)
    from django.contrib.auth.models import Group

    nora.groups.add(Group.objects.create(name="Auditors"))
    client.logout()

    provider.person["groups"] = ["sd-operators", "sd-managers", "db-team"]
    sso_sign_in(client)

    assert roles_of(nora) == {"Service desk", "Managers", "Auditors"}
    assert set(nora.support_groups.values_list("name", flat=True)) == {"Databases", "Printers"}
    assert databases.members.filter(pk=nora.pk).exists()


def test_an_existing_account_is_signed_in_and_mapped(client, provider, operator):
    provider.person = {**PERSON, "preferred_username": "olivia", "groups": ["sd-support"]}

    sso_sign_in(client)

    assert signed_in_as(client) == "olivia"
    assert roles_of(operator) == {"Support"}


def test_the_administrators_group_makes_an_administrator_and_its_absence_unmakes_one(client, provider):
    provider.person["groups"] = ["sd-admins"]
    sso_sign_in(client)
    nora = get_user_model().objects.get(username="nora")
    assert nora.is_superuser
    assert nora.is_staff
    client.logout()

    provider.person["groups"] = ["sd-support"]
    sso_sign_in(client)

    nora.refresh_from_db()
    assert not nora.is_superuser
    assert not nora.is_staff


def test_claims_without_a_mapped_role_are_refused_with_a_message(client, provider, caplog):
    provider.person["groups"] = ["everyone", "net-ops"]

    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        response = sso_sign_in(client)

    assert response["Location"] == reverse("login")
    assert signed_in_as(client) is None
    assert not get_user_model().objects.filter(username="nora").exists()
    page = client.get(response["Location"])
    assert "gives you no role in the service desk" in page.text
    assert [r.getMessage() for r in caplog.records if r.name == "servicedesk.security"] == [
        "sso sign-in refused: username='nora' address=127.0.0.1 agent='' detail='no role'"
    ]


def test_without_required_roles_an_account_without_role_may_sign_in(client, provider, settings):
    settings.OIDC_REQUIRE_ROLE = False
    provider.person["groups"] = []

    sso_sign_in(client)

    assert signed_in_as(client) == "nora"
    assert "Your account has no role yet" in client.get("/").text


def test_the_no_role_message_can_be_configured(client, provider, settings):
    settings.OIDC_NO_ROLE_MESSAGE = "Ask the IT desk on extension 4242."
    provider.person["groups"] = []

    response = sso_sign_in(client)

    assert "Ask the IT desk on extension 4242." in client.get(response["Location"]).text


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"key": "other"}, "JWS token verification failed."),
        ({"nonce": "not-the-nonce"}, "JWT Nonce verification failed."),
        ({"aud": "another-client"}, "ID token for another audience"),
        ({"iss": "http://evil.example"}, "ID token from another issuer"),
        ({"exp": -600}, "ID token refused: ExpiredSignatureError"),
    ],
    ids=["wrong-signature", "wrong-nonce", "wrong-audience", "wrong-issuer", "expired"],
)
def test_a_spoilt_id_token_is_refused(client, provider, caplog, tamper, reason):
    provider.tamper = tamper

    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        response = sso_sign_in(client)

    assert response["Location"] == reverse("login")
    assert signed_in_as(client) is None
    assert not get_user_model().objects.filter(username="nora").exists()
    assert "The sign-in could not be verified" in client.get(response["Location"]).text
    lines = [r.getMessage() for r in caplog.records if r.name == "servicedesk.security"]
    assert lines == [f"sso sign-in refused: username='' address=127.0.0.1 agent='' detail={reason!r}"]


def test_a_refusal_is_neither_counted_by_axes_nor_keeps_the_code(client, provider):
    provider.tamper = {"key": "other"}

    for _ in range(6):
        sso_sign_in(client)

    assert not AccessAttempt.objects.exists()
    assert not AccessFailureLog.objects.filter(path_info__contains="oidc").exists()


def test_a_code_works_once(client, provider):
    start = client.get(reverse("oidc_authentication_init"))
    back = urlsplit(requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"])
    client.get(f"{back.path}?{back.query}")
    client.logout()

    replay = client.get(f"{back.path}?{back.query}")

    assert replay.status_code in {302, 400}
    assert signed_in_as(client) is None


def test_a_cancelled_sign_in_says_so(client, provider, caplog):
    client.get(reverse("oidc_authentication_init"))

    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        response = client.get(reverse("oidc_authentication_callback") + "?error=access_denied&state=x")

    assert response["Location"] == reverse("login")
    assert "did not complete" in client.get(response["Location"]).text
    assert "detail='access_denied'" in caplog.records[-1].getMessage()


def test_an_administrators_local_account_is_never_taken_over(client, provider, administrator):
    provider.person = {**PERSON, "preferred_username": "ada", "groups": ["sd-support"]}

    response = sso_sign_in(client)

    assert signed_in_as(client) is None
    administrator.refresh_from_db()
    assert administrator.is_superuser
    assert "local administrator" in client.get(response["Location"]).text


def test_a_disabled_account_is_refused(client, provider):
    UserFactory(username="nora", is_active=False)

    sso_sign_in(client)

    assert signed_in_as(client) is None


def test_every_sso_sign_in_is_logged_without_tokens(client, provider, network_operations, caplog):
    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        sso_sign_in(client)

    lines = [r.getMessage() for r in caplog.records if r.name == "servicedesk.security"]
    assert lines == [
        "sso sign-in: username='nora' address=127.0.0.1 agent='' "
        "detail=\"roles=['Support'] support_groups=['Network operations'] account created\"",
        "sign-in: username='nora' address=127.0.0.1 agent=''",
    ]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in [*provider.access_tokens, "test-client-secret", provider.token_requests[-1]["code"]]:
        assert secret not in everything


def test_the_next_page_is_kept_through_the_provider(client, provider):
    response = sso_sign_in(client, next_url="/incidents/")

    assert response["Location"] == "/incidents/"


class TestPasswordSignInOff:
    @pytest.fixture(autouse=True)
    def _off(self, settings, provider):
        settings.PASSWORD_SIGN_IN = False

    def test_the_form_is_gone(self, client):
        page = client.get(reverse("login"))

        assert "Sign in with Test ID" in page.text
        assert 'name="password"' not in page.text
        assert "Forgot your password?" not in page.text

    def test_a_posted_password_is_refused_even_when_right(self, client, operator):
        response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})

        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text
        assert signed_in_as(client) is None

    def test_an_administrators_local_account_still_signs_in_with_its_password(self, client, administrator):
        page = client.get(reverse("login") + "?administrator")
        assert 'name="password"' in page.text

        response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})

        assert response.status_code == 302
        assert signed_in_as(client) == "ada"

    def test_single_sign_on_still_works(self, client):
        sso_sign_in(client)

        assert signed_in_as(client) == "nora"


def test_a_role_map_naming_no_role_fails_the_checks(settings):
    from servicedesk.sso.checks import check_role_map

    settings.OIDC_ROLE_MAP = {"sd-ops": "Service Desk"}

    assert [problem.id for problem in check_role_map()] == ["servicedesk.E024"]


def test_role_and_group_maps_are_read_from_the_environment(monkeypatch):
    from servicedesk.env import env_map

    monkeypatch.setenv("OIDC_ROLE_MAP", "sd-operators=Service desk, sd-admins=administrators")

    assert env_map("OIDC_ROLE_MAP") == {"sd-operators": "Service desk", "sd-admins": "administrators"}


def test_a_nested_claim_is_read_by_its_dotted_path():
    from servicedesk.sso.claims import claim_values

    claims = {"realm_access": {"roles": ["sd-support", "offline_access"]}, "groups": "sd-cmdb"}

    assert claim_values(claims, "realm_access.roles") == {"sd-support", "offline_access"}
    assert claim_values(claims, "groups") == {"sd-cmdb"}
    assert claim_values(claims, "missing.path") == set()


def test_with_the_provider_down_the_button_says_so_and_the_emergency_administrator_signs_in(
    client, settings, administrator, caplog
):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_TIMEOUT = 2
    settings.PASSWORD_SIGN_IN = False
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "servicedesk.sso.backend.OIDCBackend"]

    with caplog.at_level(logging.INFO, logger="servicedesk.security"):
        start = client.get(reverse("oidc_authentication_init"))

    assert start["Location"] == reverse("login")
    assert "cannot be reached" in client.get(start["Location"]).text
    assert "detail='provider unreachable'" in caplog.records[-1].getMessage()
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(client) == "ada"


def test_a_discovery_document_naming_another_issuer_is_refused_with_a_message(client, provider, settings):
    settings.OIDC_ISSUER = provider.issuer.replace("127.0.0.1", "localhost")  # the same server, another name

    start = client.get(reverse("oidc_authentication_init"))

    assert start["Location"] == reverse("login")
    assert "cannot be reached" in client.get(start["Location"]).text

"""Support groups and a category that incidents in the lifecycle tests are escalated to and filed under."""

from __future__ import annotations

import pytest

from cmdb.choices import SupportTier
from tests.cmdb.factories import SupportGroupFactory
from tests.factories import UserFactory
from tests.knowledge.factories import CategoryFactory


@pytest.fixture
def network(support_member):
    """A tier-2 group with the ``support_member`` fixture (Sam) in it."""
    return SupportGroupFactory(name="Network operations", tier=SupportTier.SECOND_LINE, members=[support_member])


@pytest.fixture
def third_line():
    """A tier-3 group and its member Tess."""
    tess = UserFactory(username="tess", first_name="Tess", last_name="Tiller", roles=["Support"])
    return SupportGroupFactory(name="Network engineering", tier=SupportTier.THIRD_LINE, members=[tess])


@pytest.fixture
def outsider():
    """A support member of another group."""
    other = UserFactory(username="otto", first_name="Otto", roles=["Support"])
    SupportGroupFactory(name="Workplace support", members=[other])
    return other


@pytest.fixture
def vpn():
    return CategoryFactory(name="VPN")


@pytest.fixture
def webhooks_to_localhost(settings):
    """Webhooks may go to the test receiver on http://127.0.0.1, which both the scheme and the network would refuse."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]

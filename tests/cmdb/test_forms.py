"""CI names typed on forms: names are unique only with their case, so the exact name wins and a name that
only matches several CIs in other cases is refused rather than guessed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cmdb.forms import CINamesField
from cmdb.selectors import ci_by_name
from tests.cmdb.factories import ConfigurationItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins():
    return ConfigurationItemFactory(name="vm-042"), ConfigurationItemFactory(name="VM-042")


def test_the_exact_name_wins_over_its_case_twin(twins):
    lower, upper = twins

    assert CINamesField().clean("VM-042\nvm-042") == [upper, lower]
    assert (ci_by_name("vm-042"), ci_by_name("VM-042")) == (lower, upper)


def test_a_name_matching_only_case_twins_is_refused_not_guessed(twins):
    with pytest.raises(ValidationError, match="Several configuration items are called Vm-042"):
        CINamesField().clean("Vm-042")

    assert ci_by_name("Vm-042") is None


def test_a_single_case_variant_is_found_and_an_unknown_name_named(twins):
    only = ConfigurationItemFactory(name="mail-01")

    assert CINamesField().clean("MAIL-01") == [only]
    with pytest.raises(ValidationError, match="No configuration item is called: db-99"):
        CINamesField().clean("mail-01\ndb-99")

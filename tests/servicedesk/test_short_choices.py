"""A short select's records are read in one statement, and render exactly as Django's own field renders them."""

from __future__ import annotations

import django_filters
import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cmdb.models import SupportGroup
from servicedesk.forms import ShortModelChoiceField, ShortModelChoiceFilter
from tests.cmdb.factories import SupportGroupFactory

pytestmark = pytest.mark.django_db


class Djangos(forms.Form):
    group = forms.ModelChoiceField(queryset=SupportGroup.objects.order_by("name"), empty_label="Any")


class Short(forms.Form):
    group = ShortModelChoiceField(queryset=SupportGroup.objects.order_by("name"), empty_label="Any")


class ByGroup(django_filters.FilterSet):
    group = django_filters.ModelChoiceFilter(
        field_name="owner_group", queryset=SupportGroup.objects.order_by("name"), null_label="None"
    )


class ShortByGroup(django_filters.FilterSet):
    group = ShortModelChoiceFilter(
        field_name="owner_group", queryset=SupportGroup.objects.order_by("name"), null_label="None"
    )


def rendered(form: forms.Form, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str], int]:
    """The field's HTML, the first word of each statement it ran, and the server-side cursors it opened (a DECLARE
    when the client binds the parameters; with the server's binding, psycopg declares it and the capture lists the
    SELECT)."""
    opened = []
    chunked = connection.chunked_cursor
    monkeypatch.setattr(connection, "chunked_cursor", lambda: opened.append(1) or chunked())
    with CaptureQueriesContext(connection) as captured:
        html = str(form["group"])
    monkeypatch.undo()
    return html, [query["sql"].split()[0] for query in captured.captured_queries], len(opened)


def test_the_choices_are_the_same_in_one_statement_instead_of_a_cursors_three(monkeypatch):
    picked = SupportGroupFactory(name="Network")
    SupportGroupFactory(name="Applications")

    djangos, djangos_statements, djangos_cursors = rendered(Djangos(data={"group": picked.pk}), monkeypatch)
    short, statements, cursors = rendered(Short(data={"group": picked.pk}), monkeypatch)

    assert short == djangos and f'<option value="{picked.pk}" selected>Network</option>' in short
    # The choices: one SELECT where Django's declare a cursor (then FETCH and CLOSE, which the capture does not list).
    assert (djangos_cursors, cursors) == (1, 0)
    assert djangos_statements[-1] in ("DECLARE", "SELECT") and statements == [*djangos_statements[:-1], "SELECT"]
    form = Short(data={"group": picked.pk})
    assert form.is_valid() and form.cleaned_data["group"] == picked


def test_a_filters_choices_keep_the_empty_and_null_choices_in_one_statement(monkeypatch):
    SupportGroupFactory(name="Network")

    djangos, djangos_statements, djangos_cursors = rendered(
        ByGroup(data={}, queryset=SupportGroup.objects.none()).form, monkeypatch
    )
    short, statements, cursors = rendered(ShortByGroup(data={}, queryset=SupportGroup.objects.none()).form, monkeypatch)

    assert short == djangos and '<option value="null">None</option>' in short
    assert (djangos_cursors, cursors) == (1, 0)
    assert djangos_statements[-1] in ("DECLARE", "SELECT") and statements == [*djangos_statements[:-1], "SELECT"]

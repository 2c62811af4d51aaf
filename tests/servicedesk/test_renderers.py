"""Django's own widgets render through Jinja2 (compiled), the form templates through Django's engine, and a
form's HTML says the same either way."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test.html import parse_html

from servicedesk.renderers import CompiledWidgets


class Choice(forms.Form):
    colour = forms.ChoiceField(choices=[("red", "Red <warm>"), ("blue", "Blue & cold")])
    note = forms.CharField(required=False)


def test_built_in_widgets_are_jinja2_templates_and_the_forms_are_django_ones():
    renderer = CompiledWidgets()

    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
    assert isinstance(renderer.get_template("django/forms/div.html"), DjangoTemplate)


def test_a_form_renders_the_same_html_as_with_djangos_own_engine():
    data = {"colour": "blue", "note": '"quoted" <b> it\'s'}

    compiled = Choice(data, renderer=CompiledWidgets()).render()
    interpreted = Choice(data, renderer=DjangoTemplates()).render()

    # The same elements, attributes and text; the two differ in blank lines and in the entities for quotes.
    assert parse_html(compiled) == parse_html(interpreted)
    assert '<option value="blue" selected>Blue &amp; cold</option>' in compiled
    assert "Red &lt;warm&gt;" in compiled and "&lt;b&gt;" in compiled

"""The form renderer: Django's own widget templates through Jinja2, everything else through Django's engine."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates, Jinja2
from django.utils.functional import cached_property

# Django ships these widgets' templates for both engines; the project's own widgets live elsewhere.
DJANGO_WIDGETS = "django/forms/widgets/"


class CompiledWidgets(DjangoTemplates):
    """Renders Django's built-in widget templates with Jinja2, which compiles them to Python: a select renders an
    included template per option, and the incident list's filter form spent most of its time there (decision
    record 0044). Forms, rows and the project's widgets (``includes/widgets/``) stay Django templates; an override
    of a built-in widget's template in ``templates/django/forms/widgets/`` would not be read."""

    @cached_property
    def compiled(self) -> Jinja2:
        return Jinja2()

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith(DJANGO_WIDGETS):
            return self.compiled.get_template(template_name)
        return super().get_template(template_name)

"""The form of an incident template: the call-logging form's own fields (the service by searching), and the
category the incident will propose at classification. The service (``incidents.canned.incident_templates``)
checks them again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cmdb.forms import ServicePickerField
from incidents.models import IncidentTemplate
from knowledge.forms import CategoryChoiceField
from knowledge.models import Category
from knowledge.selectors import categories_by_path

FIELDS = ("name", "short_description", "symptoms", "service", "category", "impact", "urgency")


class IncidentTemplateForm(forms.ModelForm):
    service = ServicePickerField(label=_("Service"), required=False)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("Proposed when the incident is classified."),
    )

    class Meta:
        model = IncidentTemplate
        fields = [*FIELDS, "active"]
        widgets = {"symptoms": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the template has stays choosable (retired since); anything new must be in use.
        current = self.instance
        self.fields["service"].usable = Q(active=True) | Q(pk=current.service_id or 0)
        self.fields["category"].queryset = categories_by_path(
            Category.objects.filter(Q(active=True) | Q(pk=current.category_id or 0))
        )
        if not current.pk:
            del self.fields["active"]

    def template_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FIELDS}

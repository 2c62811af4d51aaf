"""The form of a canned reply: its scope offered only among those the user manages; the placeholders checked
here for the message by the field, and again by the service (``incidents.canned``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.canned.placeholders import check_placeholders, known_placeholders
from incidents.canned.rules import manageable_groups, may_manage_desk_wide
from incidents.models import CannedReply


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "body", "group", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Placeholders, filled for the incident: %(known)s.") % {
            "known": ", ".join(known_placeholders())
        }
        group = self.fields["group"]
        group.queryset = manageable_groups(user).order_by("name")
        desk_wide = may_manage_desk_wide(user)
        group.required = not desk_wide
        group.empty_label = _("Desk-wide (every operator and group)") if desk_wide else None
        if not self.instance.pk:
            del self.fields["active"]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        check_placeholders(body)
        return body

    def reply_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"title": data["title"], "body": data["body"], "group": data["group"]}

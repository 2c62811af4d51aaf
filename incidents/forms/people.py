"""The incident page's "also keep informed" form: a contact of the CMDB, or an address with a name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from incidents.forms.recording import CallerField


class KeepInformedForm(forms.Form):
    contact = CallerField(
        label=_("A contact"), max_length=200, required=False, help_text=_("Search by name, phone or e-mail.")
    )
    contact_id = forms.CharField(widget=forms.HiddenInput, required=False)
    email = forms.EmailField(label=_("Or an e-mail address"), required=False)
    name = forms.CharField(label=_("Their name"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text, picked = cleaned.get("contact", ""), cleaned.get("contact_id", "")
        cleaned["contact"] = None
        if text.strip() or picked:
            try:
                cleaned["contact"] = self.fields["contact"].resolve(text, picked)
            except ValidationError as error:
                self.add_error("contact", error)
        elif not cleaned.get("email") and "email" not in self.errors:
            raise ValidationError(_("Pick a contact, or type an e-mail address."), code="who")
        return cleaned


class EraseContactForm(forms.Form):
    """An administrator's confirmation that a person's data is to be erased, and why."""

    reason = forms.CharField(
        label=_("Why"),
        max_length=300,
        help_text=_("The request and its date, for example “Request by mail of 6 Dec 2026”."),
        error_messages={"required": _("Say why the data is erased (the request, its date).")},
    )
    understood = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that this cannot be undone.")},
    )

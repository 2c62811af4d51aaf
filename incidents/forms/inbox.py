"""Forms of the desk's intake inbox: add a mail to an incident as a call, or say why a mail or an alert is not an
incident."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.forms.recording import CallerField, CallerResolvingForm
from incidents.forms.steps import RecordNumberField
from incidents.models import AlertDismissal, Dismissal, Incident


class AddMailForm(CallerResolvingForm):
    """ "Add to INC…": the incident by its number, the caller (the sender when the CMDB knows them)."""

    incident = RecordNumberField(
        Incident.objects.defer("search_vector"),
        "INC0001234",
        label=_("Incident"),
        invalid=_("There is no incident with this number."),
    )
    caller = CallerField(label=_("Caller"), max_length=200, required=False)
    caller_id = forms.CharField(widget=forms.HiddenInput, required=False)
    affected_users = forms.IntegerField(label=_("More affected users"), min_value=0, max_value=1_000_000, initial=1)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].required = True
        self.fields["incident"].error_messages["required"] = _("Which incident does this mail belong to?")


class DismissMailForm(forms.Form):
    dismissal = forms.ChoiceField(
        label=_("Not an incident because"),
        choices=Dismissal.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why this mail is not an incident.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("Needed for “Other”; kept with the mail."),
    )


class DismissAlertForm(forms.Form):
    dismissal = forms.ChoiceField(
        label=_("Not an incident because"),
        choices=AlertDismissal.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why this alert is not an incident.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("Needed for “Other”; kept with the alert."),
    )

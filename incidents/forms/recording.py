"""Forms of the call-logging page: every input validated here, the rules of the process in the services."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cmdb.forms import CINamesField, ContactForm, LocationPickerField, ServicePickerField
from cmdb.models import Contact
from incidents.choices import Channel, Impact, Urgency
from incidents.models import Incident, IncidentTemplate
from servicedesk.compiled import CompiledQuery
from servicedesk.forms import MomentField
from servicedesk.params import BIGINT_MAX, int_param

OPENED_SALT = "incidents.record.opened"
# A form older than this says nothing useful about how long the call took.
MAX_LOGGING_SECONDS = 4 * 60 * 60


# The caller the picker chose, by id: built once a process (decision record 0059), as every call logged reads it.
PICKED_CALLER = CompiledQuery(lambda pk: Contact.objects.filter(pk=pk, active=True))


class CallerField(forms.CharField):
    """The caller, picked from the search (the picker fills ``caller_id``) or typed as an e-mail address,
    a phone number or a full name that identifies one active contact."""

    def resolve(self, text: str, picked_id: str) -> Contact:
        # The picker's hidden id, unless someone typed something else into it: then the text decides.
        contact_id = int_param(picked_id)
        if contact_id is not None:
            contact = PICKED_CALLER.first(contact_id)
            if contact is not None:
                return contact
        text = text.strip()
        if not text:
            raise ValidationError(_("Who is calling? Search by name, phone or e-mail."), code="required")
        digits = "".join(ch for ch in text if ch.isdigit())
        condition = Q(email__iexact=text)
        if len(digits) >= 6:
            condition |= Q(phone_digits__contains=digits)
        parts = text.split()
        if len(parts) >= 2:
            condition |= Q(first_name__iexact=" ".join(parts[:-1]), last_name__iexact=parts[-1])
        found = list(Contact.objects.filter(condition, active=True).select_related("workplace")[:2])
        if not found:
            raise ValidationError(
                _("No active caller is known as “%(text)s”. Search again, or add the caller first."),
                params={"text": text},
            )
        if len(found) > 1:
            raise ValidationError(
                _("More than one caller matches “%(text)s”: pick one from the list."), params={"text": text}
            )
        return found[0]


class CallerResolvingForm(forms.Form):
    """A form with ``caller`` and ``caller_id`` fields: cleaning turns them into one active contact."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            cleaned["caller"] = self.fields["caller"].resolve(cleaned.get("caller", ""), cleaned.get("caller_id", ""))
        except ValidationError as error:
            self.add_error("caller", error)
        return cleaned


class RecordIncidentForm(CallerResolvingForm):
    """Logging a call: the fields in the order an operator asks for them on the phone."""

    caller = CallerField(label=_("Caller"), max_length=200, required=False)
    caller_id = forms.CharField(widget=forms.HiddenInput, required=False)
    short_description = forms.CharField(label=_("Short description"), max_length=200)
    symptoms = forms.CharField(label=_("Symptoms"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    channel = forms.ChoiceField(label=_("Reported by"), choices=Channel.choices, initial=Channel.PHONE)
    occurred_at = MomentField(
        label=_("Occurred"),
        help_text=_("“now”, “14:05” (today), “-20m” (20 minutes ago) or “27 Nov 2026 14:05”."),
    )
    # Chosen by searching: a select of every service cost 100 ms on each opening of the page (issue 21).
    service = ServicePickerField(label=_("Service"), required=False)
    cis = CINamesField(label=_("Configuration items"), required=False, help_text=_("One CI name per line."))
    location = LocationPickerField(
        label=_("Location"), required=False, help_text=_("Leave empty for the caller's workplace.")
    )
    affected_users = forms.IntegerField(label=_("Affected users"), min_value=1, max_value=1_000_000, initial=1)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int, initial=Impact.LOW)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM)
    serious = forms.BooleanField(
        label=_("Serious incident"),
        required=False,
        help_text=_("A serious incident is normally the top priority: ticking it sets impact and urgency to high."),
    )
    serious_reason = forms.CharField(
        label=_("Serious, but not the top priority, because"),
        required=False,
        max_length=500,
        help_text=_("Only when you keep a serious incident below P1."),
    )
    raise_master = forms.BooleanField(
        label=_("Raise the master incident's impact and urgency to this call's"), required=False
    )
    # Sent by the similar panel's "record as subordinate and raise the master to … impact" button.
    master_impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int, empty_value=None, required=False)
    # The incident template the operator started from (the page offers the active ones, or leaves the field out).
    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=IncidentTemplate.objects.filter(active=True),
        required=False,
        empty_label=_("None: a new kind of call"),
        help_text=_("Fills in the description, symptoms, service, impact and urgency; you can change them."),
    )
    opened = forms.CharField(widget=forms.HiddenInput, required=False)
    # A call from the intake inbox: the mail it records (the service checks it still waits for the desk).
    mail = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=BIGINT_MAX)
    # A call from a monitoring alert in the intake: the alert it records (the service checks it still waits).
    alert = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=BIGINT_MAX)

    def __init__(self, *args: Any, may_pick_templates: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A template posted is validated against the active ones (one query, only then); the list the page offers
        # is read only when the page is shown (``offer_templates``), never for a call recorded and redirected.
        if not may_pick_templates:
            del self.fields["template"]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial["opened"] = signing.dumps(time.time(), salt=OPENED_SALT)

    def offer_templates(self, templates: list[IncidentTemplate]) -> None:
        """Before the page is shown: the templates its select offers (the list the page read, one query), or no
        select at all when there are none (unless a template posted was refused: its error is shown with it)."""
        if "template" not in self.fields:
            return
        if not templates and not (self.is_bound and self.has_error("template")):
            del self.fields["template"]
            return
        self.fields["template"].choices = [("", self.fields["template"].empty_label)] + [
            (template.pk, template.name) for template in templates
        ]
        self.fields["template"].widget.attrs["data-template-filling"] = reverse("incidents:template_filling", args=[0])

    def record_fields(self) -> dict[str, Any]:
        """What ``incidents.recording.calls.incident_record`` takes from the form (the page adds the master)."""
        data = self.cleaned_data
        names = ("caller", "short_description", "symptoms", "channel", "occurred_at", "service", "cis", "location",
                 "affected_users", "impact", "urgency", "serious", "serious_reason")  # fmt: skip
        return {
            **{name: data[name] for name in names},
            "raise_parent": data["raise_master"],
            "master_impact": data["master_impact"],
            "template": data.get("template"),
            "logging_seconds": self.logging_seconds(),
        }

    def logging_seconds(self) -> int | None:
        """Seconds from opening the form to saving it, from a signed timestamp (a forged one is ignored)."""
        try:
            opened = float(signing.loads(self.cleaned_data.get("opened") or "", salt=OPENED_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            return None
        seconds = round(time.time() - opened)
        return seconds if 0 <= seconds <= MAX_LOGGING_SECONDS else None


class AddCallForm(CallerResolvingForm):
    """The same call-logging form posted to "add this call to INC…": only what a journal entry needs."""

    caller = CallerField(label=_("Caller"), max_length=200, required=False)
    caller_id = forms.CharField(widget=forms.HiddenInput, required=False)
    short_description = forms.CharField(max_length=200, required=False)
    symptoms = forms.CharField(required=False)
    affected_users = forms.IntegerField(min_value=0, max_value=1_000_000, initial=1)
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int)
    mail = forms.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)


class AcceptImpactForm(forms.Form):
    """The impact the evidence proposes, accepted by the desk (the service checks it is still proposed)."""

    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int)


class AttachForm(forms.Form):
    """Gathering a storm: one master, and the incidents to attach to it, among ``candidates``."""

    master = forms.ModelChoiceField(
        label=_("Master incident"), queryset=Incident.objects.none(), widget=forms.RadioSelect, to_field_name="number"
    )
    incidents = forms.ModelMultipleChoiceField(
        label=_("Attach as subordinates"),
        queryset=Incident.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="number",
        error_messages={"required": _("Choose at least one incident to attach to the master.")},
    )
    raise_master = forms.BooleanField(
        label=_("Raise the master's impact and urgency to the highest of the attached incidents"), required=False
    )

    def __init__(self, *args: Any, candidates: QuerySet[Incident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["master"].queryset = candidates
        self.fields["incidents"].queryset = candidates

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        master, incidents = cleaned.get("master"), cleaned.get("incidents")
        if master is not None and incidents is not None:
            cleaned["incidents"] = [incident for incident in incidents if incident.pk != master.pk]
            if not cleaned["incidents"]:
                self.add_error("incidents", _("Choose at least one incident besides the master."))
        return cleaned


class InformUsersForm(forms.Form):
    """The message to the affected users of a serious incident, prepared by the desk and edited freely."""

    subject = forms.CharField(
        label=_("Subject"), max_length=200, error_messages={"required": _("Give the message a subject.")}
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        error_messages={"required": _("Write the message to the affected users.")},
    )
    distribution_list = forms.EmailField(
        label=_("Or only to a distribution list"),
        required=False,
        help_text=_("Leave it empty to mail each affected person; an address here gets the only mail."),
    )


class NewCallerForm(ContactForm):
    """An unknown caller, added from the logging form without leaving it (prefix ``new_caller``): the
    CMDB's contact form and rules, with only what the desk asks on the phone."""

    workplace = LocationPickerField(label=_("Workplace"), required=False)

    class Meta(ContactForm.Meta):
        fields = ["first_name", "last_name", "email", "phone", "mobile", "department", "workplace"]

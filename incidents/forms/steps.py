"""One small form per lifecycle step: the inputs of ``incidents.lifecycle``'s services, and nothing else.

Every form carries the incident's ``version`` as the page showed it; the service compares it under its
lock and refuses a stale form with what changed since. The version only says what the user saw: who may
act, and on what, is decided by the service, never by a hidden field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cmdb.choices import SupportTier
from cmdb.forms import CINamesField, LocationPickerField, ServicePickerField
from cmdb.models import Change, SupportGroup
from cmdb.selectors import groups_of
from incidents.choices import Channel, ClosureReason, Impact, ResolutionCode, Satisfaction, Urgency
from incidents.core import checks
from incidents.forms.journal import canned_picker
from incidents.lifecycle.assignment import proposed_group
from incidents.lifecycle.closure import closing_early
from incidents.models import Incident, IncidentTemplate, RootCause
from knowledge.forms import CategoryChoiceField
from knowledge.models import KnownError, Problem
from knowledge.selectors import categories_in_use
from servicedesk.forms import ShortModelChoiceField
from servicedesk.params import INTEGER_MAX

MINUTES_HELP = _("Time you spent on this step, in minutes.")


class RecordNumberField(forms.ModelChoiceField):
    """An optional record named by its number (``CHG0000123``), typed in a text box."""

    def __init__(self, queryset: Any, placeholder: str, *, invalid: str, **kwargs: Any) -> None:
        super().__init__(
            queryset=queryset,
            to_field_name="number",
            required=False,
            widget=forms.TextInput(attrs={"placeholder": placeholder, "autocomplete": "off"}),
            error_messages={"invalid_choice": invalid},
            **kwargs,
        )


class StepForm(forms.Form):
    """The fields every step shares: the version the user saw, and the time spent on the step."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=INTEGER_MAX)
    minutes_spent = forms.IntegerField(
        label=_("Time spent (minutes)"),
        min_value=0,
        max_value=checks.MAX_MINUTES,
        initial=0,
        required=False,
        help_text=MINUTES_HELP,
    )

    def __init__(self, *args: Any, incident: Incident, matches: list[Any] = (), **kwargs: Any) -> None:
        self.incident = incident
        # Known errors ranked for the incident, shown beside the classification and the first-line fix.
        self.matches = list(matches)
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"version": incident.version, **self.initial_from(incident), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        # The step's own questions first; the time spent last, just before the button.
        if "minutes_spent" in self.fields:
            self.fields["minutes_spent"] = self.fields.pop("minutes_spent")

    def initial_from(self, incident: Incident) -> dict[str, Any]:
        return {}

    def clean_minutes_spent(self) -> int:
        return self.cleaned_data.get("minutes_spent") or 0


class ClassifyForm(StepForm):
    category = CategoryChoiceField(label=_("Category"), queryset=categories_in_use())
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)

    def initial_from(self, incident: Incident) -> dict[str, Any]:
        category = incident.category_id
        if category is None and incident.template_id is not None:  # the template's proposal, until one is chosen
            category = IncidentTemplate.objects.filter(pk=incident.template_id).values_list("category", flat=True)[0]
        return {"category": category, "impact": incident.impact, "urgency": incident.urgency}


class ResolutionForm(StepForm):
    resolution_code = forms.ChoiceField(label=_("Resolution code"), choices=[("", "—"), *ResolutionCode.choices])
    resolution_notes = forms.CharField(
        label=_("Resolution, for the caller"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The caller reads this in the mail that asks them to confirm the fix."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        canned_picker(self.fields["resolution_notes"], self.incident.number)


class ResolveAtFirstLineForm(ResolutionForm):
    """The desk's first-line fix, usually a published known error's workaround (offered from the matches)."""

    known_error = forms.ModelChoiceField(
        label=_("Known error applied"),
        queryset=KnownError.objects.filter(published=True),
        to_field_name="number",
        required=False,
        widget=forms.RadioSelect,
        empty_label=_("None: fixed without a known error"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["known_error"]
        # The radio buttons offer the ranked matches; any published known error is accepted by number.
        field.choices = [("", field.empty_label)] + [
            (match.known_error.number, f"{match.known_error.number} {match.known_error.title}")
            for match in self.matches
        ]
        if self.matches and not self.is_bound:
            self.initial.setdefault("known_error", self.matches[0].known_error.number)
            self.initial.setdefault("resolution_code", ResolutionCode.WORKAROUND)


class EscalateForm(StepForm):
    group = forms.ModelChoiceField(label=_("Escalate to"), queryset=SupportGroup.objects.none())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("What the group should know.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (
            SupportGroup.objects.filter(active=True, tier__gt=SupportTier.SERVICE_DESK)
            .exclude(pk=self.incident.assigned_group_id)
            .order_by("tier", "name")
        )
        self.fields["group"].label_from_instance = lambda group: f"{group.name} ({group.get_tier_display()})"
        # The group the rules (or the CMDB) propose, preselected and said why; the desk may choose another.
        self.proposal = proposed_group(self.incident)
        if self.proposal is not None:
            self.fields["group"].initial = self.proposal.group.pk
            self.fields["group"].help_text = _("Proposed: %(group)s, because %(reason)s.") % {
                "group": self.proposal.group.name,
                "reason": self.proposal.reason,
            }


class AcknowledgeForm(StepForm):
    minutes_spent = None


class AssignForm(StepForm):
    minutes_spent = None
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.incident.assigned_group
        members = group.members.filter(is_active=True) if group else get_user_model().objects.none()
        self.fields["assignee"].queryset = members.order_by("first_name", "last_name", "username")
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def initial_from(self, incident: Incident) -> dict[str, Any]:
        return {"assignee": incident.assignee_id}


class ResolveForm(ResolutionForm):
    change = RecordNumberField(
        Change.objects.all(), "CHG0000123", label=_("Change request"), help_text=_("The change that fixed it, if any."),
        invalid=_("No change has that number."),
    )  # fmt: skip
    problem = RecordNumberField(
        Problem.objects.all(), "PRB0000123", label=_("Problem"),
        help_text=_("The problem record that investigates the cause, if any."),
        invalid=_("No problem has that number."),
    )  # fmt: skip

    def initial_from(self, incident: Incident) -> dict[str, Any]:
        return {
            "change": incident.change.number if incident.change_id else "",
            "problem": incident.problem.number if incident.problem_id else "",
        }


class ReopenForm(StepForm):
    reason = forms.CharField(label=_("Why the fix did not hold"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(StepForm):
    """Closing: the root cause found (its own taxonomy), the change that caused it when the cause says so, the
    category as it turned out, the reason when it closes before the caller confirmed and before the automatic
    closure, and a rating the caller gave by phone (only when they gave none through the link)."""

    root_cause = forms.ModelChoiceField(
        label=_("Root cause"),
        queryset=RootCause.objects.filter(active=True),
        empty_label=_("Choose the cause found"),
        error_messages={"required": _("Choose the root cause: closing requires it.")},
    )
    cause_change = RecordNumberField(
        Change.objects.all(), "CHG0000123", label=_("Caused by the change"),
        help_text=_("When the root cause is a change: the change that caused it."),
        invalid=_("No change has that number."),
    )  # fmt: skip
    root_cause_category = CategoryChoiceField(
        label=_("Category, as it turned out"),
        queryset=categories_in_use(),
        help_text=_("The classification's, unless it proved to be something else."),
    )
    reason = forms.ChoiceField(
        label=_("Why close it now"),
        choices=[("", _("Choose why")), *ClosureReason.choices],
        required=False,
        help_text=_("The caller has not confirmed the fix, and it is not due for automatic closure yet."),
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction the caller gave by phone"),
        choices=[("", _("Not given")), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    satisfaction_comment = forms.CharField(
        label=_("Caller's comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, incident=incident, **kwargs)
        if not closing_early(incident):
            del self.fields["reason"]
        if incident.satisfaction is not None:  # the caller's own rating stands: nothing to record for them
            del self.fields["satisfaction"]
            del self.fields["satisfaction_comment"]

    def initial_from(self, incident: Incident) -> dict[str, Any]:
        return {
            "root_cause_category": incident.root_cause_category_id or incident.category_id,
            "satisfaction_comment": incident.satisfaction_comment,
        }


class DetailsForm(StepForm):
    """Correcting what was recorded (``services.incident_update``); every change is journaled."""

    minutes_spent = None
    short_description = forms.CharField(label=_("Short description"), max_length=200)
    symptoms = forms.CharField(label=_("Symptoms"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    channel = forms.ChoiceField(label=_("Reported by"), choices=Channel.choices)
    # Chosen by searching, as on the logging form: a select listed every service and every location.
    service = ServicePickerField(label=_("Service"), required=False)
    cis = CINamesField(label=_("Configuration items"), required=False, help_text=_("One CI name per line."))
    location = LocationPickerField(label=_("Location"), required=False)
    affected_users = forms.IntegerField(label=_("Affected users"), min_value=1, max_value=1_000_000)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, incident=incident, **kwargs)
        # The service the incident has stays, even retired since: only a new choice must be active.
        if incident.service_id is not None:
            self.fields["service"].usable = Q(active=True) | Q(pk=incident.service_id)

    def initial_from(self, incident: Incident) -> dict[str, Any]:
        return {
            "short_description": incident.short_description,
            "symptoms": incident.symptoms,
            "channel": incident.channel,
            "service": incident.service,
            "cis": list(incident.cis.all()),
            "location": incident.location,
            "affected_users": incident.affected_users,
        }


class ReevaluationRequestForm(forms.Form):
    """The group's request: the impact and urgency it proposes, and what it found."""

    impact = forms.TypedChoiceField(label=_("Proposed impact"), choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Proposed urgency"), choices=Urgency.choices, coerce=int)
    reason = forms.CharField(label=_("What you found"), widget=forms.Textarea(attrs={"rows": 4}))


class ReevaluationDecisionForm(forms.Form):
    """The desk's answer; the button pressed (``decision``) says accept or decline."""

    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when you decline: the group reads why."),
    )


class SaveFilterForm(forms.Form):
    """Naming the queue's filters as they stand, and sharing them with one of one's groups."""

    name = forms.CharField(label=_("Save these filters as"), max_length=80)
    shared_with = ShortModelChoiceField(
        label=_("Share with"), queryset=SupportGroup.objects.none(), required=False, empty_label=_("Only me")
    )

    def __init__(self, *args: Any, user: Any, groups: list | None = None, **kwargs: Any) -> None:
        """``groups``: the rows of ``groups_of(user)`` when the page has read them already."""
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = groups_of(user)
        self.fields["shared_with"].records = groups

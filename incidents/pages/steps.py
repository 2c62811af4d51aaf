"""The lifecycle's steps as pages: one table maps each step to its form, the service that takes it, and what its
page and its button say. The step view and the incident page's buttons read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from incidents.forms.steps import (
    AcknowledgeForm,
    AssignForm,
    ClassifyForm,
    CloseForm,
    EscalateForm,
    ReopenForm,
    ResolveAtFirstLineForm,
    ResolveForm,
    StepForm,
)
from incidents.lifecycle import classification, closure, escalation, resolution
from incidents.models import Incident
from incidents.recording.review import incident_known_errors


def _first_line_matches(incident: Incident) -> dict[str, Any]:
    """The published known errors ranked for this incident: shown when classifying, offered as the
    workaround to apply when resolving at first line."""
    return {"matches": incident_known_errors(incident)}


@dataclass(frozen=True)
class StepPage:
    """A step's page: its form, the service that takes it, and what the page says: its ``title``, the
    ``button`` (the incident page's button that opens it, and the submit button of its form, so it says
    what the step does) and the message once ``done``."""

    form: type[StepForm]
    service: Callable[..., Any]
    title: str
    button: str
    done: str
    form_extra: Callable[[Incident], dict[str, Any]] = field(default=lambda incident: {})

    def take(self, *, by: Any, incident: Incident, data: dict[str, Any]) -> None:
        arguments = {name: value for name, value in data.items() if name != "version"}
        self.service(by=by, incident_id=incident.pk, expected_version=data["version"], **arguments)


PAGES = {
    "classify": StepPage(
        ClassifyForm,
        classification.incident_classify,
        _("Classify %(number)s"),
        _("Classify"),
        _("%(number)s classified."),
        form_extra=_first_line_matches,
    ),
    "resolve_at_first_line": StepPage(
        ResolveAtFirstLineForm,
        resolution.incident_resolve_at_first_line,
        _("Resolve %(number)s at first line"),
        _("Resolve at first line"),
        _("%(number)s resolved; the caller is asked to confirm."),
        form_extra=_first_line_matches,
    ),
    "escalate": StepPage(
        EscalateForm, escalation.incident_escalate, _("Escalate %(number)s"), _("Escalate"), _("%(number)s escalated.")
    ),
    "acknowledge": StepPage(
        AcknowledgeForm,
        escalation.incident_acknowledge,
        _("Acknowledge %(number)s"),
        _("Acknowledge"),
        _("%(number)s acknowledged."),
    ),
    "assign": StepPage(
        AssignForm, escalation.incident_assign, _("Assign %(number)s"), _("Assign"), _("%(number)s assigned.")
    ),
    "resolve": StepPage(
        ResolveForm,
        resolution.incident_resolve,
        _("Resolve %(number)s"),
        _("Resolve"),
        _("%(number)s resolved; the caller is asked to confirm."),
    ),
    "reopen": StepPage(
        ReopenForm, resolution.incident_reopen, _("Reopen %(number)s"), _("Reopen"), _("%(number)s reopened.")
    ),
    "close": StepPage(CloseForm, closure.incident_close, _("Close %(number)s"), _("Close"), _("%(number)s closed.")),
}

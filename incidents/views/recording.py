"""The call-logging page and its live parts: caller added inline, similar incidents, priority, CMDB context."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import retarget

from cmdb.models import ConfigurationItem
from incidents import selectors
from incidents.canned import incident_templates
from incidents.choices import Channel
from incidents.forms.recording import AddCallForm, NewCallerForm, RecordIncidentForm
from incidents.inbound import alert_desk, intake
from incidents.models import Alert, AlertState, InboundMail, InboundState, Incident, IncidentTemplate
from incidents.priority import priority_for
from incidents.recording import calls, evidence, storms
from incidents.recording.cmdb_context import call_context
from incidents.recording.similar import similar_incidents
from knowledge.matching import known_error_matches
from servicedesk.forms import add_errors
from servicedesk.params import int_param


def _master(request: HttpRequest) -> Incident | None:
    """The master incident named by ``?parent=INC…`` ("record as subordinate of"), if any."""
    number = request.GET.get("parent", "").strip()
    if not number:
        return None
    return get_object_or_404(Incident.objects.defer("search_vector"), number=number)


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """The call-logging page, for the service desk only (the refusal says why); from the intake inbox
    (``?mail=``, ``?alert=``) it is filled in from the mail or the alert and records it."""
    calls.ensure_may_record(request.user)
    parent = _master(request)
    mail = _waiting_mail(request)
    alert = _waiting_alert(request)
    if mail is False or alert is False:
        return HttpResponseRedirect(reverse("incidents:inbox") + ("?tab=alerts" if alert is False else ""))
    initial = _from_mail(mail) if mail else alert_desk.record_initial(alert) if alert else _from_template(request)
    form = RecordIncidentForm(request.POST or None, initial=initial, may_pick_templates=_may_pick_templates(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {**form.record_fields(), "parent": parent}
        try:
            if data["mail"]:
                incident = intake.intake_record(by=request.user, mail_id=data["mail"], **fields)
            elif data["alert"]:
                incident = alert_desk.alert_record(by=request.user, alert_id=data["alert"], **fields)
            else:
                incident = calls.incident_record(by=request.user, **fields)
        except (InboundMail.DoesNotExist, Alert.DoesNotExist):
            raise Http404(_("There is no such mail or alert.")) from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(number)s recorded.") % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    return _record_page(request, form, parent, mail=mail, alert=alert)


def _may_pick_templates(request: HttpRequest) -> bool:
    """Whether the page offers incident templates: to those who may read them (no query: the user's permissions
    are read with the user)."""
    return request.user.has_perm("incidents.view_incidenttemplate")


def _from_template(request: HttpRequest) -> dict[str, Any] | None:
    """The form as ``?template=`` fills it in (the link on the templates' list; the page's script fills it in
    without a reload)."""
    template_id = int_param(request.GET.get("template"))
    if template_id is None or not _may_pick_templates(request):
        return None
    rows = IncidentTemplate.objects.filter(active=True).select_related("service", "category__parent__parent")
    template = rows.filter(pk=template_id).first()
    if template is None:
        messages.error(request, _("That incident template is no longer offered."))
        return None
    # What the page's script fills in, the service as the record the picker shows by name (no query more).
    return {**incident_templates.template_filling(template), "service": template.service}


def _waiting_alert(request: HttpRequest) -> Alert | bool | None:
    """The alert of ``?alert=`` when the page opens from the intake's alerts; ``False`` (and a message) when it no
    longer waits for the desk."""
    raw = request.GET.get("alert") or request.POST.get("alert")
    if not raw:
        return None
    alert = get_object_or_404(Alert.objects.select_related("ci", "incident", "decided_by"), pk=int_param(raw) or 0)
    if alert.state != AlertState.INTAKE:
        messages.error(request, alert_desk.decided_message(alert))
        return False
    return alert


def _waiting_mail(request: HttpRequest) -> InboundMail | bool | None:
    """The mail of ``?mail=`` when the page opens from the intake inbox; ``False`` (and a message) when it no
    longer waits for the desk."""
    raw = request.GET.get("mail") or request.POST.get("mail")
    if not raw:
        return None
    mail = get_object_or_404(InboundMail.objects.defer("raw"), pk=int_param(raw) or 0)
    if mail.state != InboundState.INTAKE:
        messages.error(request, intake.decided_message(mail))
        return False
    return mail


def _from_mail(mail: InboundMail) -> dict[str, Any]:
    """The form as the mail fills it in: its sender as the caller when the CMDB knows them, its subject and
    text, sent by e-mail when it was sent (never after it arrived: a sender's clock running ahead would fill in
    a time the form refuses as in the future)."""
    contact = intake.sender_contact(mail)
    sent = min(mail.sent_at or mail.received_at, mail.received_at)
    return {
        "mail": mail.pk,
        "caller": contact.full_name if contact else "",
        "caller_id": contact.pk if contact else "",
        "short_description": intake.summary_of(mail),
        "symptoms": mail.text[: intake.MAX_SYMPTOMS],
        "channel": Channel.EMAIL,
        "occurred_at": timezone.localtime(sent).replace(second=0, microsecond=0),
    }


def _record_page(
    request: HttpRequest,
    form: RecordIncidentForm,
    parent: Incident | None,
    status: int = 200,
    mail: InboundMail | None = None,
    alert: Alert | None = None,
) -> HttpResponse:
    new_caller = None
    if mail is not None and not form["caller_id"].value():
        first, _space, last = mail.sender_name.strip().rpartition(" ")
        new_caller = {"first_name": first or last, "last_name": last if first else "", "email": mail.sender}
    if "template" in form.fields:
        form.offer_templates(incident_templates.templates_to_pick())
    context = {
        "form": form,
        "parent": parent,
        "mail": mail,
        "alert": alert,
        "new_caller": NewCallerForm(prefix="new_caller", initial=new_caller),
        "suggest_new_caller": new_caller is not None,
        "storms": storms.incident_storms(),
    }
    return render(request, "incidents/record.html", context, status=status)


@require_POST
def add_call(request: HttpRequest, number: str) -> HttpResponse:
    """ "Add this call to INC…": the call goes into that incident's journal instead of a duplicate."""
    calls.ensure_may_record(request.user)
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    form = AddCallForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        symptoms = "\n\n".join(filter(None, [data["short_description"], data["symptoms"]]))
        try:
            if data["mail"]:  # from the intake inbox: the mail is the call
                intake.intake_add_call(
                    by=request.user,
                    mail_id=data["mail"],
                    incident_id=incident.pk,
                    caller=data["caller"],
                    affected_users=data["affected_users"],
                )
            else:
                calls.incident_add_call(
                    by=request.user,
                    incident_id=incident.pk,
                    caller=data["caller"],
                    symptoms=symptoms,
                    affected_users=data["affected_users"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                )
        except InboundMail.DoesNotExist:
            raise Http404(_("There is no such mail.")) from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The call was added to %(number)s.") % {"number": number})
            return HttpResponseRedirect(incident.get_absolute_url())
    # The logging form is on the page the operator came from; say what is missing and go back to it.
    for problems in form.errors.values():
        messages.error(request, " ".join(problems))
    form = RecordIncidentForm(request.POST, may_pick_templates=_may_pick_templates(request))
    return _record_page(request, form, parent=None, status=400)


@require_POST
@permission_required("cmdb.add_contact", raise_exception=True)
def caller_create(request: HttpRequest) -> HttpResponse:
    """Add an unknown caller from the logging form (htmx): on success the new caller is chosen at once;
    otherwise the small form comes back with its errors."""
    form = NewCallerForm(request.POST, prefix="new_caller")
    if not form.is_valid():
        return retarget(render(request, "incidents/partials/new_caller.html", {"new_caller": form}), "#new-caller")
    contact = form.save()
    messages.success(request, _("%(name)s added as a caller.") % {"name": contact.full_name})
    return render(request, "incidents/partials/new_caller_chosen.html", {"contact": contact})


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def similar(request: HttpRequest) -> HttpResponse:
    """The panel beside the call-logging form (htmx, as the operator types): open incidents like this
    call, and the published known errors that match it."""
    text = " ".join(request.GET.get(name, "") for name in ("short_description", "symptoms")).strip()
    caller_id = int_param(request.GET.get("caller_id"))
    service_id = int_param(request.GET.get("service"))
    names = _ci_names(request, limit=50)
    ci_ids = list(ConfigurationItem.objects.filter(name__in=names).values_list("pk", flat=True)) if names else []
    incidents = similar_incidents(text=text, caller_id=caller_id, service_id=service_id, ci_ids=ci_ids)
    known_errors = known_error_matches(text=text, service_id=service_id, ci_ids=ci_ids, limit=5) if text else []
    context = {
        "similar": evidence.with_masters(incidents, caller_id=caller_id),
        "known_errors": known_errors,
        "asked": bool(text or caller_id or service_id or ci_ids),
    }
    return render(request, "incidents/partials/similar.html", context)


def _ci_names(request: HttpRequest, *, limit: int) -> list[str]:
    """The CI names typed on the logging form so far (``?cis=``, one per line), the first ``limit`` of them."""
    return [line.strip() for line in request.GET.get("cis", "").splitlines() if line.strip()][:limit]


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def priority_preview(request: HttpRequest) -> HttpResponse:
    """The priority the matrix gives for the impact and urgency on the form (htmx, as they change)."""
    try:
        impact, urgency = int(request.GET.get("impact", "")), int(request.GET.get("urgency", ""))
        priority = priority_for(impact, urgency, selectors.priority_matrix())
    except ValueError:
        priority = None
    return render(request, "incidents/partials/priority.html", {"priority": priority})


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def ci_context(request: HttpRequest) -> HttpResponse:
    """What the CMDB says about the CIs on the logging form (htmx, as they are chosen): the services each
    one affects through the graph, the changes on them in the last 72 hours or the next 24, and the service
    to propose (the page fills an empty service field with it)."""
    context = call_context(_ci_names(request, limit=MAX_CONTEXT_CIS))
    return render(request, "incidents/partials/ci_context.html", {"context": context})


# The CIs of one call; more than this and the operator is describing an outage, which the storm page gathers.
MAX_CONTEXT_CIS = 10

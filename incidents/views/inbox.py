"""The desk's intake inbox (``incidents.inbound.intake``): the mails waiting for the desk and, in tabs of their
own, the monitoring alerts (``incidents.views.alerts``); one mail with its outcomes, and its original and files one
click away."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidents.forms.inbox import AddMailForm, DismissMailForm
from incidents.inbound import alert_desk, intake
from incidents.models import InboundMail, InboundState
from servicedesk.forms import add_errors
from servicedesk.pages import PAGE_SIZE
from servicedesk.tabs import tab_links, tab_named

# The inbox's tabs: the mail waiting, then the alerts waiting; what was decided of each after them.
TABS = (intake.INBOX_TABS[0], alert_desk.ALERT_TABS[0], *intake.INBOX_TABS[1:], alert_desk.ALERT_TABS[1])
# Images a browser shows; everything else in a mail downloads.
SHOWN_TYPES = {"image/png", "image/jpeg", "image/gif"}


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def inbox_list(request: HttpRequest) -> HttpResponse:
    """What waits for the desk: the mails, and the monitoring alerts beside them (``tab=alerts``)."""
    now = timezone.now()
    current = tab_named(request.GET.get("tab"), TABS)
    is_alerts = current in alert_desk.ALERT_TABS
    rows = alert_desk.alerts_of(current, now) if is_alerts else intake.inbox(current, now)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "tabs": tab_links(TABS, {**intake.inbox_counts(now), **alert_desk.alert_counts(now)}, current),
        "current": current,
        "alerts": is_alerts,
        "page_obj": page,
        "query_string": f"tab={current.name}",
    }
    return render(request, "incidents/inbox.html", context)


@require_GET
def inbox_mail(request: HttpRequest, pk: int) -> HttpResponse:
    mail = _readable(request, pk)
    return _mail_page(request, mail)


@require_POST
@permission_required("incidents.add_incident", raise_exception=True)
def inbox_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the mail to an incident as a further call."""
    mail = _readable(request, pk)
    form = AddMailForm(request.POST, prefix="add")
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = intake.intake_add_call(
                by=request.user,
                mail_id=mail.pk,
                incident_id=data["incident"].pk,
                caller=data["caller"],
                affected_users=data["affected_users"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The mail was added to %(number)s as a call.") % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    return _mail_page(request, mail, add_form=form, status=400)


@require_POST
@permission_required("incidents.add_incident", raise_exception=True)
def inbox_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Not an incident, with the reason."""
    mail = _readable(request, pk)
    form = DismissMailForm(request.POST, prefix="dismiss")
    if form.is_valid():
        try:
            intake.intake_dismiss(by=request.user, mail_id=mail.pk, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The mail from %(sender)s was set aside.") % {"sender": mail.sender})
            return HttpResponseRedirect(_next_waiting_url())
    return _mail_page(request, mail, dismiss_form=form, status=400)


@require_GET
def inbox_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The message as it arrived, as text (or as an ``.eml`` file with ``?download``)."""
    mail = _readable(request, pk)
    raw = bytes(mail.raw)
    if "download" in request.GET:
        response = HttpResponse(raw, content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="mail-{mail.pk}.eml"'
    else:
        response = HttpResponse(raw.decode("utf-8", errors="replace"), content_type="text/plain; charset=utf-8")
    return _sealed(response)


@require_GET
def inbox_file(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    """One file of the mail, read from the original: images open in the browser, everything else downloads."""
    mail = _readable(request, pk)
    files = intake.mail_files(mail)
    if not 0 <= index < len(files):
        raise Http404(_("The mail has no such file."))
    found = files[index]
    shown = found.content_type in SHOWN_TYPES
    response = HttpResponse(found.payload, content_type=found.content_type if shown else "application/octet-stream")
    disposition = "inline" if shown else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quoted(found.name)}"
    return _sealed(response)


# --- helpers ------------------------------------------------------------------------------------------


def _readable(request: HttpRequest, pk: int) -> InboundMail:
    """The mail, for the desk; for other staff only when it went to an incident (a reply in its journal)."""
    mail = get_object_or_404(InboundMail.objects.select_related("contact", "incident", "regarding", "decided_by"),
                             pk=pk)  # fmt: skip
    user = request.user
    if user.has_perm("incidents.add_incident"):
        return mail
    if mail.incident_id is not None and user.has_perm("incidents.view_incident"):
        return mail
    raise PermissionDenied(_("Only the service desk reads the mail that comes in."))


def _mail_page(
    request: HttpRequest,
    mail: InboundMail,
    *,
    add_form: AddMailForm | None = None,
    dismiss_form: DismissMailForm | None = None,
    status: int = 200,
) -> HttpResponse:
    waiting = mail.state == InboundState.INTAKE and request.user.has_perm("incidents.add_incident")
    contact = intake.sender_contact(mail) if waiting else None
    context: dict[str, Any] = {
        "mail": mail,
        "waiting": waiting,
        "decided": intake.decided_message(mail) if mail.decided_by_id else "",
        "files": list(enumerate(intake.mail_files(mail))),
        "contact": contact,
    }
    if waiting:
        initial = {"caller": contact.full_name if contact else "", "caller_id": contact.pk if contact else ""}
        if mail.regarding_id:
            initial["incident"] = mail.regarding.number
        context["add_form"] = add_form or AddMailForm(prefix="add", initial=initial)
        context["dismiss_form"] = dismiss_form or DismissMailForm(prefix="dismiss")
        context["record_url"] = f"{reverse('incidents:record')}?mail={mail.pk}"
    return render(request, "incidents/inbox_mail.html", context, status=status)


def _next_waiting_url() -> str:
    """The next mail waiting for the desk, or the inbox when none is left."""
    following = intake.next_waiting()
    if following is None:
        return reverse("incidents:inbox")
    return reverse("incidents:inbox_mail", args=[following])


def _sealed(response: HttpResponse) -> HttpResponse:
    """Nothing of a mail runs in the portal: no sniffing, no scripts, no embedding."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")

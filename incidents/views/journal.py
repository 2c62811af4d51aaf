"""The journal's pages: the timeline alone for htmx, writing notes and customer updates, the workaround, and the
attached files, served to signed-in staff only. Without JavaScript every link and form works as a plain page:
a refused form comes back on the whole incident page with its messages by field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidents import selectors
from incidents.choices import OPEN_STATES, ActivityKind
from incidents.core.stale import refusal_status
from incidents.forms.journal import JournalEntryForm, WorkaroundForm
from incidents.journal import attachments, notes
from incidents.journal.paging import journal_cursor, journal_page, older_links
from incidents.journal.timeline import show_filter, timeline_filters
from incidents.models import Activity, Attachment, Incident
from incidents.pages.incident import incident_of_page, incident_page, journal_section
from servicedesk.forms import add_errors
from servicedesk.preferences import preferences_of


def _ensure_reader(request: HttpRequest) -> None:
    if not request.user.has_perm("incidents.view_incident"):
        raise PermissionDenied(_("Your role does not include reading incidents."))


def _incident(number: str) -> Incident:
    """The incident as its page shows it (the journal, subordinates and group members prefetched)."""
    return selectors.with_waiting_and_subordinates(incident_of_page(number))


def _incident_to_write(request: HttpRequest, number: str) -> Incident:
    """The incident for a write, once its writer is checked: only what the check needs, since the service
    loads and locks the incident itself; the page's selector is for rendering the journal again."""
    rows = Incident.objects.defer("search_vector").select_related("assigned_group")
    incident = get_object_or_404(rows, number=number)
    notes.ensure_may_write(incident, request.user)
    return incident


@require_GET
def journal_timeline(request: HttpRequest, number: str) -> HttpResponse:
    """The timeline alone, for htmx: under another filter, or (``?before=``) the entries older than those shown,
    to put in place of the "Show older entries" control. A plain request goes to the incident page with the same
    query, which shows the same entries."""
    _ensure_reader(request)
    if not getattr(request, "htmx", False):
        url = reverse("incidents:incident_detail", args=[number])
        query = request.GET.urlencode()
        return HttpResponseRedirect(f"{url}?{query}#journal" if query else f"{url}#journal")
    # The fragment shows the journal alone: none of the rest of the page's selector is needed (the state is
    # read when the row is loaded, by the lifecycle's concurrency guard).
    incident = get_object_or_404(Incident.objects.only("pk", "number", "state"), number=number)
    show, before = _show(request), journal_cursor(request.GET.get("before"))
    newest_first = preferences_of(request.user).newest_first
    page = journal_page(incident, show=show, before=before, newest_first=newest_first)
    journal = {
        "entries": page.entries,
        "older": older_links(incident, show=show, older=page.older),
        "newest_first": newest_first,
    }
    if before is not None:
        return render(request, "incidents/partials/journal.html#entries", {"journal": journal | {"continued": True}})
    journal["filters"] = timeline_filters(incident, show)
    return render(request, "incidents/partials/journal.html#timeline", {"journal": journal})


@require_POST
def journal_add(request: HttpRequest, number: str) -> HttpResponse:
    """Write a work note (with files) or send a customer update (to the subordinates' callers too)."""
    incident = _incident_to_write(request, number)
    open_subordinates = incident.subordinates.filter(state__in=OPEN_STATES).exists()
    form = JournalEntryForm(request.POST, request.FILES, subordinates=open_subordinates, number=number)
    done, status = "", 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            entries = notes.incident_write_entry(
                by=request.user,
                incident_id=incident.pk,
                **form.entry_fields(),
            )
            is_update = data["kind"] == ActivityKind.CUSTOMER_UPDATE
            done = _sent(entries) if is_update else _("The work note was added.")
        except ValidationError as error:
            add_errors(form, error)
            status = refusal_status(error)
    if not done:
        return _refused(request, number, status, entry_form=form)
    return _done(request, number, done)


@require_POST
def provide_workaround(request: HttpRequest, number: str) -> HttpResponse:
    """Record the workaround and mail it to the caller; a stale form is refused with what changed since."""
    incident = _incident_to_write(request, number)
    form = WorkaroundForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            entry = notes.incident_provide_workaround(
                by=request.user, incident_id=incident.pk, **form.workaround_fields()
            )
        except ValidationError as error:  # a stale form too (StaleIncident): its message says what changed
            add_errors(form, error)
            status = refusal_status(error)
        else:
            if entry.data.get("recipients"):
                done = _("The workaround was recorded and mailed to %(to)s.") % {"to": entry.data["recipients"][0]}
            else:
                done = _("The workaround was recorded; the caller has no e-mail address, so tell them by phone.")
            messages.success(request, done)
            return HttpResponseRedirect(incident.get_absolute_url())
    return _refused(request, number, status, workaround_form=form)


@require_GET
def attachment(request: HttpRequest, number: str, pk: int, name: str) -> FileResponse:
    """A file of the incident's journal, to signed-in staff only (never from MEDIA_URL).

    Images open in the browser, everything else downloads; the type is the one checked at upload, and the
    browser is told not to guess another one.
    """
    _ensure_reader(request)
    found = get_object_or_404(Attachment, pk=pk, activity__incident__number=number, name=name)
    return attachments.file_response(found)


def _sent(entries: list[Activity]) -> str:
    told = sum(len(entry.data.get("recipients") or []) for entry in entries)
    message = ngettext(
        "The customer update was mailed to %(count)d person.",
        "The customer update was mailed to %(count)d people.",
        told,
    ) % {"count": told}
    unmailed = [entry.incident.number for entry in entries if not entry.data.get("recipients")]
    if unmailed:
        message += " " + _("Not mailed (no e-mail address), but journaled: %(numbers)s.") % {
            "numbers": ", ".join(unmailed)
        }
    return message


def _done(request: HttpRequest, number: str, message: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        incident = _incident(number)
        section = journal_section(incident, request.user, show=_show(request), notice=message)
        return render(request, "incidents/partials/journal.html", {"journal": section})
    messages.success(request, message)
    return HttpResponseRedirect(reverse("incidents:incident_detail", args=[number]) + "#journal")


def _refused(request: HttpRequest, number: str, status: int, **forms: Any) -> HttpResponse:
    """The form again with its messages (400, or 409 when the incident changed since): the journal section for
    htmx (which swaps these two), the whole incident page otherwise."""
    incident = _incident(number)
    if getattr(request, "htmx", False):
        section = journal_section(incident, request.user, show=_show(request), **forms)
        return render(request, "incidents/partials/journal.html", {"journal": section}, status=status)
    context = incident_page(incident, request.user, show=_show(request), **forms)
    return TemplateResponse(request, "incidents/incident_detail.html", context, status=status)


def _show(request: HttpRequest) -> str:
    return show_filter(request.GET.get("show"))

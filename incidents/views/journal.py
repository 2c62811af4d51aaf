"""The incident page's journal: the timeline with its filters, writing notes and customer updates, the
workaround, and the attached files, served to signed-in staff only.

The incident page adds ``journal_context(request, incident)`` to its context; the partial
``incidents/partials/journal.html`` renders it, and its ``timeline`` fragment alone answers htmx. Without
JavaScript every link and form works as a plain page: a refused form comes back on the whole incident page
with its messages by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidents import selectors
from incidents.choices import OPEN_STATES, ActivityKind, State, Visibility
from incidents.core.values import shown
from incidents.forms.journal import JournalEntryForm, WorkaroundForm
from incidents.journal import attachments, notes
from incidents.models import Activity, Attachment, Incident, may_handle
from servicedesk.forms import add_errors

# The timeline's filters: ?show=… and what each keeps.
SHOW_ALL, SHOW_CUSTOMER, SHOW_CHANGES = "all", "customer", "changes"
# Values of ``data`` that are lists but not an [old, new] pair.
LISTS = {"recipients", "subordinates"}
# Keys whose value is itself a list (the CIs' names): a change of one is a pair of lists, and a plain list of
# two is the value as recorded, not a change.
LIST_VALUED = {"cis"}
MAX_RECIPIENTS_SHOWN = 5
INLINE_TYPES = {file_type.content_type for file_type in attachments.FILE_TYPES.values() if file_type.inline}


# --- what the page shows ------------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    """A journal entry as the timeline shows it (built from prefetched rows: no query per entry)."""

    entry: Activity
    author: str
    changes: list[Change] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    more_recipients: int = 0
    attachments: list[tuple[Attachment, str]] = field(default_factory=list)


@dataclass
class JournalSection:
    incident: Incident
    show: str
    filters: list[dict[str, Any]]
    entries: list[TimelineEntry]
    minutes_spent: int
    entry_form: JournalEntryForm | None = None
    workaround_form: WorkaroundForm | None = None
    notice: str = ""

    @property
    def time_spent(self) -> str:
        return duration(self.minutes_spent)


def journal_context(
    request: HttpRequest,
    incident: Incident,
    *,
    entry_form: JournalEntryForm | None = None,
    workaround_form: WorkaroundForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """What the journal section and the workaround box need, from an incident loaded by
    ``selectors.incident_detail()`` (its journal, attachments, subordinates and group members prefetched,
    ``minutes_spent_total`` annotated). Forms only for those who may write, on an incident that takes them."""
    show = _show(request)
    writer = may_handle(incident, request.user)
    if writer and incident.state != State.CLOSED and entry_form is None:
        entry_form = JournalEntryForm(subordinates=_has_open_subordinates(incident))
    if writer and incident.state in OPEN_STATES and workaround_form is None:
        workaround_form = WorkaroundForm(
            initial={"workaround": incident.workaround, "expected_version": incident.version}
        )
    section = JournalSection(
        incident=incident,
        show=show,
        filters=_filters(incident, show),
        entries=timeline(incident, show),
        minutes_spent=getattr(incident, "minutes_spent_total", 0) or 0,
        entry_form=entry_form if writer else None,
        workaround_form=workaround_form if writer else None,
        notice=notice,
    )
    return {"journal": section}


def timeline(incident: Incident, show: str = SHOW_ALL) -> list[TimelineEntry]:
    """The incident's prefetched journal, filtered: everything, what the caller sees, or the changes."""
    entries = []
    for entry in incident.journal.all():
        if show == SHOW_CUSTOMER and entry.visibility != Visibility.CUSTOMER:
            continue
        if show == SHOW_CHANGES and not _is_change(entry.kind):
            continue
        entries.append(_timeline_entry(incident, entry))
    return entries


def duration(minutes: int) -> str:
    """ "45 min", "2 h", "1 h 25 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


def _timeline_entry(incident: Incident, entry: Activity) -> TimelineEntry:
    data = entry.data if isinstance(entry.data, dict) else {}
    recipients = [str(address) for address in data.get("recipients") or []]
    return TimelineEntry(
        entry=entry,
        author=_author(entry, data),
        changes=[
            Change(label=_label(key), old=shown(_field(key), pair[0]), new=shown(_field(key), pair[1]))
            for key, pair in data.items()
            if _is_change_pair(key, pair)
        ],
        recipients=recipients[:MAX_RECIPIENTS_SHOWN],
        more_recipients=max(len(recipients) - MAX_RECIPIENTS_SHOWN, 0),
        attachments=[
            (attachment, reverse("incidents:attachment", args=[incident.number, attachment.pk, attachment.name]))
            for attachment in entry.attachments.all()
        ],
    )


def _is_change_pair(key: str, value: Any) -> bool:
    if key in LISTS or not isinstance(value, list) or len(value) != 2:
        return False
    return key not in LIST_VALUED or all(isinstance(side, list) for side in value)


def _author(entry: Activity, data: dict[str, Any]) -> str:
    if entry.author is not None:
        return entry.author.get_full_name() or entry.author.get_username()
    if data.get("via") == "caller_link":
        return _("the caller")
    return _("the system")


def _is_change(kind: str) -> bool:
    try:
        return ActivityKind(kind).is_change
    except ValueError:  # a kind this version does not know: not a note or mail it knows either
        return True


def _field(key: str) -> Any:
    try:
        return Incident._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _label(key: str) -> str:
    model_field = _field(key)
    if model_field is not None and hasattr(model_field, "verbose_name"):
        return str(capfirst(model_field.verbose_name))
    return str(capfirst(key.replace("_", " ")))


def _show(request: HttpRequest) -> str:
    show = request.GET.get("show", SHOW_ALL)
    return show if show in {SHOW_CUSTOMER, SHOW_CHANGES} else SHOW_ALL


def _filters(incident: Incident, show: str) -> list[dict[str, Any]]:
    page = incident.get_absolute_url()
    fragment = reverse("incidents:journal", args=[incident.number])
    labels = {SHOW_ALL: _("Everything"), SHOW_CUSTOMER: _("Visible to the caller"), SHOW_CHANGES: _("Changes")}
    filters = []
    for value, label in labels.items():
        query = "" if value == SHOW_ALL else f"?show={value}"
        filters.append({"label": label, "page_url": f"{page}{query}", "fragment_url": f"{fragment}{query}",
                        "current": value == show})  # fmt: skip
    return filters


def _has_open_subordinates(incident: Incident) -> bool:
    return any(subordinate.state in OPEN_STATES for subordinate in incident.subordinates.all())


# --- views --------------------------------------------------------------------------------------------


def _ensure_reader(request: HttpRequest) -> None:
    if not request.user.has_perm("incidents.view_incident"):
        raise PermissionDenied(_("Your role does not include reading incidents."))


def _incident(number: str) -> Incident:
    """The incident as its page shows it (the journal, subordinates and group members prefetched)."""
    return get_object_or_404(selectors.incident_detail(), number=number)


def _incident_to_write(request: HttpRequest, number: str) -> Incident:
    """The incident for a write, once its writer is checked: only what the check needs, since the service
    loads and locks the incident itself; the page's selector is for rendering the journal again."""
    rows = Incident.objects.defer("search_vector").select_related("assigned_group")
    incident = get_object_or_404(rows, number=number)
    notes.ensure_may_write(incident, request.user)
    return incident


@require_GET
def journal_timeline(request: HttpRequest, number: str) -> HttpResponse:
    """The timeline alone, for htmx; a plain request goes to the incident page with the same filter."""
    _ensure_reader(request)
    if not getattr(request, "htmx", False):
        url = reverse("incidents:incident_detail", args=[number])
        query = request.GET.urlencode()
        return HttpResponseRedirect(f"{url}?{query}#journal" if query else f"{url}#journal")
    # The fragment shows the journal alone: none of the rest of the page's selector is needed (the state is
    # read when the row is loaded, by the lifecycle's concurrency guard).
    journal_only = Incident.objects.only("pk", "number", "state").prefetch_related(
        Prefetch("journal", queryset=selectors.journal_entries())
    )
    incident = get_object_or_404(journal_only, number=number)
    show = _show(request)
    context = {"journal": {"filters": _filters(incident, show), "entries": timeline(incident, show)}}
    return render(request, "incidents/partials/journal.html#timeline", context)


@require_POST
def journal_add(request: HttpRequest, number: str) -> HttpResponse:
    """Write a work note (with files) or send a customer update (to the subordinates' callers too)."""
    incident = _incident_to_write(request, number)
    open_subordinates = incident.subordinates.filter(state__in=OPEN_STATES).exists()
    form = JournalEntryForm(request.POST, request.FILES, subordinates=open_subordinates)
    done = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == ActivityKind.CUSTOMER_UPDATE:
                entries = notes.incident_send_update(
                    by=request.user,
                    incident_id=incident.pk,
                    text=data["text"],
                    minutes_spent=data["minutes_spent"],
                    to_subordinates=data.get("to_subordinates", False),
                )
                done = _sent(entries)
            else:
                notes.incident_add_note(
                    by=request.user,
                    incident_id=incident.pk,
                    text=data["text"],
                    minutes_spent=data["minutes_spent"],
                    files=data["files"],
                )
                done = _("The work note was added.")
        except ValidationError as error:
            add_errors(form, error)
    if not done:
        return _refused(request, number, entry_form=form)
    return _done(request, number, done)


@require_POST
def provide_workaround(request: HttpRequest, number: str) -> HttpResponse:
    """Record the workaround and mail it to the caller; a stale form is refused with what changed since."""
    incident = _incident_to_write(request, number)
    form = WorkaroundForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = notes.incident_provide_workaround(
                by=request.user,
                incident_id=incident.pk,
                workaround=data["workaround"],
                minutes_spent=data["minutes_spent"],
                expected_version=data["expected_version"],
            )
        except ValidationError as error:  # a stale form too (StaleIncident): its message says what changed
            add_errors(form, error)
        else:
            if entry.data.get("recipients"):
                done = _("The workaround was recorded and mailed to %(to)s.") % {"to": entry.data["recipients"][0]}
            else:
                done = _("The workaround was recorded; the caller has no e-mail address, so tell them by phone.")
            messages.success(request, done)
            return HttpResponseRedirect(incident.get_absolute_url())
    return _refused(request, number, workaround_form=form)


@require_GET
def attachment(request: HttpRequest, number: str, pk: int, name: str) -> FileResponse:
    """A file of the incident's journal, to signed-in staff only (never from MEDIA_URL).

    Images open in the browser, everything else downloads; the type is the one checked at upload, and the
    browser is told not to guess another one.
    """
    _ensure_reader(request)
    found = get_object_or_404(Attachment, pk=pk, activity__incident__number=number, name=name)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing from the storage.")) from error
    response = FileResponse(
        handle,
        as_attachment=found.content_type not in INLINE_TYPES,
        filename=found.name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


def _sent(entries: list[Activity]) -> str:
    mailed = [entry for entry in entries if entry.data.get("recipients")]
    message = ngettext(
        "The customer update was mailed to %(count)d caller.",
        "The customer update was mailed to %(count)d callers.",
        len(mailed),
    ) % {"count": len(mailed)}
    unmailed = [entry.incident.number for entry in entries if not entry.data.get("recipients")]
    if unmailed:
        message += " " + _("Not mailed (no e-mail address), but journaled: %(numbers)s.") % {
            "numbers": ", ".join(unmailed)
        }
    return message


def _done(request: HttpRequest, number: str, message: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        incident = _incident(number)
        return render(request, "incidents/partials/journal.html", journal_context(request, incident, notice=message))
    messages.success(request, message)
    return HttpResponseRedirect(reverse("incidents:incident_detail", args=[number]) + "#journal")


def _refused(request: HttpRequest, number: str, **forms: Any) -> HttpResponse:
    """The form again with its messages: the journal section for htmx, the whole incident page otherwise."""
    incident = _incident(number)
    if getattr(request, "htmx", False):
        return render(request, "incidents/partials/journal.html", journal_context(request, incident, **forms))
    # Imported here: the incident page imports this module for its journal context.
    from incidents.views.pages import IncidentDetailView

    view = IncidentDetailView()
    view.setup(request, number=incident.number)
    view.object = incident
    context = view.get_context_data(object=incident)
    context |= journal_context(request, incident, **forms)
    return TemplateResponse(request, view.template_name, context)

"""The status page behind the signed link in every mail to an incident's people (no login): the incident as
they see it, and a reply box that goes the way a mailed reply goes. A link that does not open gets the
refusal page (400 damaged, 410 expired or no longer kept informed); a refused reply changes nothing (400)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from incidents.callers.status import StatusLinkRefused, status_link_open
from incidents.callers.timeline import caller_page_number
from incidents.forms.replies import StatusReplyForm
from incidents.inbound.replies import incident_reply
from incidents.mail.messages import desk_contact
from incidents.pages.status import status_page
from servicedesk.forms import add_errors
from servicedesk.locales import speak_contacts_language


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, token: str) -> HttpResponse:
    """Show the incident to the person the link names; on POST, journal their reply and show the page again."""
    try:
        incident, person = status_link_open(token)
    except StatusLinkRefused as refused:
        context = {"refusal": refused.refusal.value, "message": refused.messages[0], "desk_email": desk_contact()}
        return render(request, "incidents/status/refused.html", context, status=refused.refusal.status)
    speak_contacts_language(request, person.language)
    form = StatusReplyForm(request.POST, request.FILES) if request.method == "POST" else StatusReplyForm()
    if form.is_bound and form.is_valid():
        try:
            incident_reply(
                incident_id=incident.pk,
                person=person,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                via="status_page",
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("Your reply was added to %(number)s; the team has been told.") % {"number": incident.number}
            )
            return redirect(request.path)
    page = status_page(incident, person, page=caller_page_number(request.GET.get("page")))
    context = {"page": page, "incident": incident, "form": form, "desk_email": desk_contact()}
    return render(request, "incidents/status/status.html", context, status=400 if form.is_bound else 200)

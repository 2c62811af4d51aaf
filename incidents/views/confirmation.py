"""The caller's pages behind the signed links of a resolution mail: "it works" and "still broken".

No login (callers have none): the signature is the authority (``incidents.callers.links``). GET only shows;
only a POST (CSRF-protected) changes anything. A link that cannot be used gets a page saying why, with
400 (damaged) or 410 (expired, already answered, about an earlier resolution, closed), and changes
nothing. The pages have a layout of their own without the staff navigation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from incidents.callers.links import Answer, CallerLink, CallerLinkRefused, caller_link_open, caller_link_person
from incidents.callers.people import Person
from incidents.choices import Satisfaction
from incidents.core.stale import StaleIncident
from incidents.lifecycle import resolution
from incidents.mail.messages import desk_contact
from incidents.models import Incident
from servicedesk.forms import add_errors
from servicedesk.locales import speak_contacts_language

MAX_TEXT = 4000
RATING_REQUIRED = gettext_lazy("Choose how satisfied you are, from 1 (very dissatisfied) to 5 (very satisfied).")


class ItWorksForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how we handled it?"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": RATING_REQUIRED, "invalid_choice": RATING_REQUIRED},
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StillBrokenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is still wrong?"),
        help_text=gettext_lazy("For example what you tried, what you see, and since when."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Tell us what is still wrong, so that we know where to look.")},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def it_works(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the fix and rate the service."""
    return _answer_page(
        request,
        token,
        Answer.WORKS,
        ItWorksForm,
        "incidents/confirmation/it_works.html",
        lambda link, incident, person, data: resolution.incident_confirm(
            incident_id=incident.pk,
            resolved_at=link.moment,
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            person="" if person.is_caller else person.name,
        ),
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def still_broken(request: HttpRequest, token: str) -> HttpResponse:
    """Report that the fix did not hold: the incident goes back to its group, which is told by mail."""
    return _answer_page(
        request,
        token,
        Answer.BROKEN,
        StillBrokenForm,
        "incidents/confirmation/still_broken.html",
        # The version checked when the page was loaded: if anything changed since (confirmed, reopened,
        # resolved again), the service refuses and the link is checked afresh.
        lambda _link, incident, person, data: resolution.incident_reopen(
            by=None,
            via_caller=True,
            person="" if person.is_caller else person.name,
            incident_id=incident.pk,
            reason=data["reason"],
            expected_version=incident.version,
        ),
    )


def _answer_page(
    request: HttpRequest,
    token: str,
    answer: Answer,
    form_class: type[forms.Form],
    template: str,
    submit: Callable[[CallerLink, Incident, Person, dict[str, Any]], Incident],
) -> HttpResponse:
    """The page of one answer: refused if the link cannot be used; the form, and on a valid POST ``submit``
    then the thanks page. A refusal found while submitting is the refusal page; any other error is the form's."""
    try:
        link, incident = caller_link_open(token=token, answer=answer)
        person = caller_link_person(incident, link)
    except CallerLinkRefused as refused:
        return _refused(request, refused)
    speak_contacts_language(request, person.language)
    form = form_class(request.POST) if request.method == "POST" else form_class()
    if form.is_bound and form.is_valid():
        try:
            incident = submit(link, incident, person, form.cleaned_data)
        except StaleIncident:
            try:
                link, incident = caller_link_open(token=token, answer=answer)
            except CallerLinkRefused as refused:
                return _refused(request, refused)
            form.add_error(None, _("Your incident changed while you were writing. Please check and send it again."))
        except CallerLinkRefused as refused:
            return _refused(request, refused)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return _page(request, "incidents/confirmation/thanks.html", incident, it_works=answer is Answer.WORKS)
    return _page(request, template, incident, form=form, status=_status(form))


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound else 200


def _refused(request: HttpRequest, refused: CallerLinkRefused) -> HttpResponse:
    return render(
        request,
        "incidents/confirmation/refused.html",
        {
            "refusal": refused.refusal,
            "message": refused.messages[0],
            "incident": refused.incident,
            "desk_email": desk_contact(),
        },
        status=refused.refusal.status,
    )


def _page(
    request: HttpRequest, template: str, incident: Incident, *, status: int = 200, **context: Any
) -> HttpResponse:
    return render(
        request,
        template,
        {"incident": incident, "desk_email": desk_contact(), **context},
        status=status,
    )

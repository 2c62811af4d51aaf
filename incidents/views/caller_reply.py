"""The caller's answer page behind the signed link of an "awaiting your answer" mail (no login)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from incidents.callers.links import Answer, CallerLinkRefused, caller_link_open, caller_link_person
from incidents.lifecycle.holds import incident_caller_reply
from incidents.mail.messages import desk_contact
from servicedesk.forms import add_errors
from servicedesk.locales import speak_contacts_language


class ReplyForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Your answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def caller_reply(request: HttpRequest, token: str) -> HttpResponse:
    context = {"desk_email": desk_contact()}
    try:
        link, incident = caller_link_open(token=token, answer=Answer.REPLY)
        person = caller_link_person(incident, link)
    except CallerLinkRefused as refused:
        return render(request, "incidents/confirmation/reply.html", {**context, "refused": refused.messages[0]},
                      status=410)  # fmt: skip
    speak_contacts_language(request, person.language)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident_caller_reply(link=link, text=form.cleaned_data["answer"])
        except CallerLinkRefused as refused:
            return render(request, "incidents/confirmation/reply.html", {**context, "refused": refused.messages[0]},
                          status=410)  # fmt: skip
        except ValidationError as error:
            add_errors(form, error)
        else:
            return render(request, "incidents/confirmation/reply.html", {**context, "incident": incident, "done": True})
    context |= {"incident": incident, "form": form}
    return render(request, "incidents/confirmation/reply.html", context, status=400 if form.is_bound else 200)

"""The password-reset mail of a staff account, written to the outbox like every mail of the portal (sent after
the commit, retried, never lost); at most ``PASSWORD_RESET_MAILS_PER_HOUR`` to one address. It speaks the language
the account chose on its preferences page, else the one the asking browser reads (decision 0052)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader
from django.utils import timezone, translation

from incidents.mail.messages import OutgoingMail
from incidents.models import OutboxMessage
from servicedesk.preferences import preferences_of

KIND = "password_reset"


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's form (it says nothing about whether the address has an account), mailing through the outbox."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        hour_ago = timezone.now() - datetime.timedelta(hours=1)
        sent = OutboxMessage.objects.filter(kind=KIND, recipient__iexact=to_email, created_at__gte=hour_ago).count()
        if sent >= settings.PASSWORD_RESET_MAILS_PER_HOUR:
            return  # asked again and again: the mails already sent will do
        chosen = preferences_of(context["user"])
        with (
            translation.override(chosen.language or translation.get_language()),
            timezone.override(chosen.time_zone or None),
        ):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
        with transaction.atomic():
            OutgoingMail(kind=KIND, recipient=to_email, subject=subject, body_text=body).write(None)

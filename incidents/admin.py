"""Django admin for incidents: the priority matrix is configured here; incidents are read, never edited
here (their state and journal change only through the services and the lifecycle). The incident history,
written by the database's triggers (``incidents.journal.history``), is shown under each incident and as a list."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incidents.canned import services as canned_services
from incidents.canned.placeholders import check_placeholders
from incidents.choices import WebhookEvent
from incidents.inbound.receive import mail_decide_again
from incidents.mail.outbox import outbox_resend
from incidents.models import (
    Activity,
    Alert,
    AssignmentRule,
    BusinessCalendar,
    CannedReply,
    CannedReplyRevision,
    Erasure,
    GroupAgreement,
    Handoff,
    Holiday,
    InboundMail,
    InboundState,
    Incident,
    IncidentHistory,
    OutboxMessage,
    OutboxState,
    PriorityRule,
    RootCause,
    ServiceLevel,
    ServiceLevelCoverage,
    ServiceLevelTarget,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookSubscription,
    WorkingPeriod,
)
from incidents.models.webhooks import new_secret
from incidents.servicelevels.tasks import incidents_recompute_for_calendar
from incidents.webhooks.deliveries import webhook_redeliver
from servicedesk.admin import ModelAdmin


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(ModelAdmin):
    """Which group the desk is proposed when it escalates: by category, service or CI (the most specific wins)."""

    list_display = ("__str__", "group", "active", "position")
    list_editable = ("active", "position")
    list_filter = ("active", "group")
    autocomplete_fields = ("service", "ci")
    list_select_related = ("category", "service", "ci", "group")


class CannedReplyRevisionInline(admin.TabularInline):
    model = CannedReplyRevision
    fields = ("at", "by", "title", "group", "active", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class CannedReplyAdminForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ("title", "body", "group", "active")

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        check_placeholders(body)
        return body


@admin.register(CannedReply)
class CannedReplyAdmin(ModelAdmin):
    """Canned replies, saved through the same service as on the portal (placeholders checked, every version
    kept); never deleted, deactivated instead."""

    list_display = ("title", "group", "active", "updated_at", "updated_by")
    list_filter = ("active", "group")
    search_fields = ("title", "body")
    form = CannedReplyAdminForm
    fields = ("title", "body", "group", "active")
    list_select_related = ("group", "updated_by")
    inlines = (CannedReplyRevisionInline,)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: CannedReply, form: Any, change: bool) -> None:
        fields = {"title": obj.title, "body": obj.body, "group": obj.group}
        try:
            if change:
                saved = canned_services.canned_reply_update(
                    by=request.user, reply_id=obj.pk, active=obj.active, **fields
                )
            else:
                saved = canned_services.canned_reply_create(by=request.user, **fields)
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error
        obj.pk, obj.active = saved.pk, saved.active


@admin.register(RootCause)
class RootCauseAdmin(ModelAdmin):
    """The desk's list of causes found at closure: ordered, retired rather than deleted once in use."""

    list_display = ("name", "needs_change", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("name",)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return obj is None or not obj.incidents.exists()


@admin.register(PriorityRule)
class PriorityRuleAdmin(ModelAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    list_display_links = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return PriorityRule.objects.count() < 9  # one rule per cell of the 3 by 3 matrix

    def has_delete_permission(self, request: HttpRequest, obj: PriorityRule | None = None) -> bool:
        return False


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class IncidentHistoryInline(admin.TabularInline):
    model = IncidentHistory
    fields = ["changed_at", "operation", "actor", "context", "changes"]
    readonly_fields = fields
    ordering = ["changed_at", "id"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[IncidentHistory]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "short_description", "state", "priority", "caller", "service", "assigned_group", "reported_at",
    ]  # fmt: skip
    list_filter = ["state", "priority", "serious", "channel", "resolution_code", "closed_automatically"]
    search_fields = ["number", "short_description"]
    list_select_related = ["caller", "service", "assigned_group"]
    exclude = ["search_vector"]
    # Set by the lifecycle only (not editable), shown here for reading.
    readonly_fields = [
        "number", "state", "priority", "acknowledged_at", "resolved_at", "closed_at", "closed_automatically",
        "management_notified_at", "users_informed_at", "version",
    ]  # fmt: skip
    inlines = [IncidentHistoryInline]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["incident", "kind", "author", "created_at", "incident_version"]
    list_filter = ["kind", "visibility"]
    search_fields = ["incident__number", "text"]
    list_select_related = ["incident", "author"]


@admin.register(IncidentHistory)
class IncidentHistoryAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "incident", "operation", "actor", "context", "changes"]
    list_filter = ["operation"]
    search_fields = ["incident__number", "context"]
    list_select_related = ["incident", "actor"]
    date_hierarchy = "changed_at"


class OutboxKindFilter(admin.SimpleListFilter):
    """The events the portal mails, listed from code: a ``DISTINCT`` over a large outbox would scan it."""

    title = _("event")
    parameter_name = "kind"
    KINDS = [
        ("recorded", _("Recorded")),
        ("customer_update", _("Customer update")),
        ("workaround", _("Workaround")),
        ("awaiting_answer", _("Awaiting the caller's answer")),
        ("resolved", _("Resolved (confirmation links)")),
        ("reopened_by_caller", _("Reopened by the caller")),
        ("closed", _("Closed")),
        ("assigned", _("Assigned to a group")),
        ("serious", _("Serious incident")),
        ("users_informed", _("Affected users informed")),
        ("sla_warning", _("Service level: 75%")),
        ("sla_breach", _("Service level: breached")),
        ("sla_late_breach", _("Service level: still breached")),
        ("handoff_overdue", _("Handoff not acknowledged")),
    ]

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, object]]:
        return self.KINDS

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(InboundMail)
class InboundMailAdmin(ModelAdmin):
    """Every message that came in, with what became of it and why; refused ones are taken again after a fix.

    Rows are written by the one service (``incidents.inbound.receive``): nothing here is editable, nothing is
    deleted. The original opens from the desk's page of the mail.
    """

    list_display = ["received_at", "state", "sender", "subject", "incident", "source", "size", "reason"]
    list_filter = ["state", "source", "received_at"]
    search_fields = ["sender", "subject", "message_id", "incident__number"]
    list_select_related = ["incident"]
    show_full_result_count = False
    exclude = ["raw"]
    readonly_fields = ["source", "source_id", "message_id", "received_at", "size", "sender", "sender_name", "subject",
                       "sent_at", "state", "reason", "contact", "incident", "regarding", "entry", "answers",
                       "dismissal", "decided_by", "decided_at", "original", "text", "reply"]  # fmt: skip
    actions = ["take_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    @admin.display(description=_("original"))
    def original(self, mail: InboundMail) -> str:
        url = reverse("incidents:inbox_original", args=[mail.pk])
        return format_html('<a href="{}">{}</a>', url, _("Show the whole message"))

    @admin.action(description=_("Take the selected refused messages again"), permissions=["change"])
    def take_again(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        taken: dict[str, int] = {}
        for mail_id in queryset.filter(state=InboundState.REFUSED).values_list("pk", flat=True):
            try:
                mail = mail_decide_again(by=request.user, mail_id=mail_id)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
                continue
            label = str(mail.get_state_display())
            taken[label] = taken.get(label, 0) + 1
        if taken:
            summary = ", ".join(f"{label}: {count}" for label, count in taken.items())
            self.message_user(request, _("Taken again. %(summary)s") % {"summary": summary}, messages.SUCCESS)
        else:
            self.message_user(request, _("None of the selected messages was refused."), messages.WARNING)


@admin.register(Alert)
class AlertAdmin(ModelAdmin):
    """Every alert monitoring sent, grouped by fingerprint, with what the desk made of it (decision record 0029).

    Rows are written by the services only (``incidents.inbound.alerts``, ``alert_desk``): nothing is editable here,
    nothing is deleted (a dismissal is history). The desk decides on its intake page.
    """

    list_display = ["last_fired_at", "state", "severity", "ci_name", "title", "firings", "resolved_at", "incident"]
    list_filter = ["state", "source", "severity", "last_fired_at"]
    search_fields = ["fingerprint", "title", "ci_name", "incident__number"]
    list_select_related = ["incident"]
    show_full_result_count = False
    readonly_fields = ["fingerprint", "source", "state", "title", "description", "severity", "ci_name", "ci",
                       "labels", "link", "firings", "first_fired_at", "last_fired_at", "resolved_at", "received_at",
                       "reported_at", "payload", "incident", "dismissal", "reason", "decided_by",
                       "decided_at"]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    """The outbox: every mail the portal wrote, its state, attempts and last error; failed rows are resent.

    Rows are written by the services only (``incidents.mail.outbox``): nothing here is editable, and nothing is
    deleted (the outbox is the record of what was sent).
    """

    list_display = ["created_at", "state", "kind", "recipient", "subject", "incident", "attempts", "next_attempt_at",
                    "sent_at", "last_error"]  # fmt: skip
    list_filter = ["state", OutboxKindFilter, "created_at", "sent_at"]
    search_fields = ["recipient", "subject", "incident__number"]
    list_select_related = ["incident"]
    # No date hierarchy and no full count: both scan the whole outbox, which grows with every mail.
    show_full_result_count = False
    readonly_fields = ["incident", "kind", "recipient", "subject", "body_text", "body_html", "state", "attempts",
                       "last_error", "next_attempt_at", "dedupe_key", "created_at", "sent_at"]  # fmt: skip
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    @admin.action(description=_("Resend the selected failed messages"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        # Only the rows that were not failed: a failed one the service refuses is reported with its own reason.
        skipped = queryset.exclude(state=OutboxState.FAILED).count()
        resent = 0
        for message_id in queryset.filter(state=OutboxState.FAILED).values_list("pk", flat=True):
            try:
                outbox_resend(by=request.user, message_id=message_id)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
                continue
            resent += 1
        if resent:
            self.message_user(
                request,
                ngettext("%(count)d message is queued again.", "%(count)d messages are queued again.", resent)
                % {"count": resent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was not resent: only failed messages are.",
                    "%(count)d messages were not resent: only failed messages are.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


# --- service levels (incidents.servicelevels) -------------------------------------------------------------------


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ModelAdmin):
    list_display = ["name", "time_zone", "updated_at"]
    search_fields = ["name"]
    inlines = [WorkingPeriodInline, HolidayInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            # Periods and holidays are saved by now: the open incidents under this calendar get their due
            # times again after commit, in a task, each under its own lock (incidents.servicelevels).
            calendar_id = form.instance.pk
            transaction.on_commit(lambda: incidents_recompute_for_calendar.delay(calendar_id))
            messages.info(request, _("The due times of the open incidents under this calendar are being recomputed."))


class ServiceLevelTargetInline(admin.TabularInline):
    model = ServiceLevelTarget
    extra = 0


class ServiceLevelCoverageInline(admin.TabularInline):
    model = ServiceLevelCoverage
    extra = 0
    autocomplete_fields = ["service"]


@admin.register(ServiceLevel)
class ServiceLevelAdmin(ModelAdmin):
    list_display = ["name", "calendar", "is_default"]
    list_select_related = ["calendar"]
    inlines = [ServiceLevelTargetInline, ServiceLevelCoverageInline]


@admin.register(GroupAgreement)
class GroupAgreementAdmin(ModelAdmin):
    list_display = ["group", "acknowledge_minutes", "calendar"]
    list_select_related = ["group", "calendar"]


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ["incident", "group", "handed_at", "due_at", "acknowledged_at", "met", "overdue_flagged_at"]
    list_filter = ["met", "group"]
    list_select_related = ["incident", "group"]


@admin.register(Erasure)
class ErasureAdmin(ModelAdmin):
    """The record of each erasure (made from the contact's page in the portal), never changed."""

    list_display = ["contact", "erased_at", "erased_by", "reason"]
    readonly_fields = ["contact", "erased_at", "erased_by", "reason", "counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- webhooks (incidents.webhooks) -----------------------------------------------------------------------------


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the address is told of."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ModelAdmin):
    """The addresses the desk POSTs its events to (decision record 0027). The secret is generated with the
    subscription, shown here for the receiver, and renewed by an action; the deliveries are a list of their own."""

    form = WebhookSubscriptionForm
    list_display = ["name", "url", "active", "event_names", "deliveries"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "deliveries", "created_at", "updated_at"]
    actions = ["renew_secret"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookSubscription]:
        # A subquery over the few failed rows (through their state's index), not a join over the whole log.
        failed = (
            WebhookDelivery.objects.filter(subscription=OuterRef("pk"), state=WebhookDeliveryState.FAILED)
            .order_by()
            .values("subscription")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(failed_count=Coalesce(Subquery(failed), 0))

    @admin.display(description=_("events"))
    def event_names(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events)

    @admin.display(description=_("deliveries"))
    def deliveries(self, subscription: WebhookSubscription) -> str:
        if subscription.pk is None:
            return self.get_empty_value_display()
        url = reverse("admin:incidents_webhookdelivery_changelist") + f"?subscription__id__exact={subscription.pk}"
        failed = getattr(subscription, "failed_count", 0)
        text = _("Deliveries (%(failed)d failed)") % {"failed": failed} if failed else _("Deliveries")
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.action(description=_("Generate a new secret for the selected webhooks"), permissions=["change"])
    def renew_secret(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        renewed = 0
        for subscription in queryset:
            subscription.secret = new_secret()
            subscription.save(update_fields=["secret", "updated_at"])
            renewed += 1
        self.message_user(
            request,
            ngettext("%(count)d webhook has a new secret: give it to its receiver.",
                     "%(count)d webhooks have a new secret: give each to its receiver.", renewed)
            % {"count": renewed},
            messages.SUCCESS,
        )  # fmt: skip


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ModelAdmin):
    """The log of webhook deliveries: what was POSTed where, what the receiver answered, attempts and the next one.

    Rows are written by the services only (``incidents.webhooks``): nothing here is editable, and nothing is deleted.
    Redelivering writes a new row that names this one.
    """

    list_display = ["created_at", "state", "event", "subscription", "incident", "attempts", "response_status",
                    "next_attempt_at", "sent_at", "last_error"]  # fmt: skip
    list_filter = ["state", "event", "subscription", "created_at"]
    search_fields = ["incident__number", "uid"]
    list_select_related = ["subscription", "incident"]
    # No full count: it scans the whole log, which grows with every event.
    show_full_result_count = False
    exclude = ["payload"]
    readonly_fields = ["uid", "subscription", "incident", "event", "body", "state", "attempts", "next_attempt_at",
                       "last_attempt_at", "url", "response_status", "response_excerpt", "last_error", "redelivery_of",
                       "created_at", "sent_at"]  # fmt: skip
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    @admin.display(description=_("body"))
    def body(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.action(description=_("Redeliver the selected deliveries"), permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        redelivered = 0
        for delivery_id in queryset.values_list("pk", flat=True):
            try:
                webhook_redeliver(by=request.user, delivery_id=delivery_id)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
                continue
            redelivered += 1
        if redelivered:
            self.message_user(
                request,
                ngettext("%(count)d delivery is sent again as a new one.",
                         "%(count)d deliveries are sent again as new ones.", redelivered)
                % {"count": redelivered},
                messages.SUCCESS,
            )  # fmt: skip

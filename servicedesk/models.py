"""The platform's own records: the sessions a user is signed in with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One signed-in session of a user, so that they can see where they are signed in and end it there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="signed_in"
    )
    session_key = models.CharField(_("session"), max_length=40, unique=True)
    signed_in_at = models.DateTimeField(_("signed in"))
    last_seen_at = models.DateTimeField(_("last seen"))
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token: a user's own key to the API, acting as that user with that user's role, never more.

    Only a hash of the secret is kept (``servicedesk.api.tokens``); the secret is shown once, when it is made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for: “Monitoring”, “Chat bot”."))
    prefix = models.CharField(_("starts with"), max_length=12, help_text=_("The secret's first characters."))
    key_hash = models.CharField(_("hash of the secret"), max_length=64, unique=True, editable=False)
    writes = models.BooleanField(_("may write"), default=False, help_text=_("Read-only when not ticked."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="servicedesk_apitoken_live_name",
                violation_error_message=_("You already have a token of that name."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def revoked(self) -> bool:
        """Revoked before it expired. A token whose name was given to a new one after it expired is recorded as
        revoked at its expiry (``token_create``), and is shown as expired."""
        return self.revoked_at is not None and self.revoked_at < self.expires_at

    @property
    def live(self) -> bool:
        """Neither revoked nor expired: a request with it is let in (when its user is still active)."""
        return self.revoked_at is None and not self.expired


class Theme(models.TextChoices):
    SYSTEM = "system", _("Follow my system's setting")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")
    CONTRAST = "contrast", _("High contrast")


class Density(models.TextChoices):
    COMFORTABLE = "comfortable", _("Comfortable: room around each row")
    COMPACT = "compact", _("Compact: one line a row, more rows on the screen")


class JournalOrder(models.TextChoices):
    NEWEST_FIRST = "newest", _("Newest first: the latest entry at the top, next to the form")
    OLDEST_FIRST = "oldest", _("Oldest first: read the story from the call on")


class Preferences(models.Model):
    """How one user likes the portal to look and behave (decision 0047): one row a user, made on their first save;
    a user without one has the defaults. Read with the user on every request (``servicedesk.preferences``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
    )
    theme = models.CharField(_("theme"), max_length=16, choices=Theme, default=Theme.SYSTEM)
    density = models.CharField(_("lists"), max_length=16, choices=Density, default=Density.COMFORTABLE)
    journal_order = models.CharField(
        _("journal"), max_length=16, choices=JournalOrder, default=JournalOrder.NEWEST_FIRST
    )
    # Blank: the desk's (LANGUAGE_CODE, TIME_ZONE), so that a desk changing its own changes theirs (decision 0052).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")
        constraints = [
            models.CheckConstraint(condition=models.Q(theme__in=Theme.values), name="servicedesk_preferences_theme"),
            models.CheckConstraint(
                condition=models.Q(density__in=Density.values), name="servicedesk_preferences_density"
            ),
            models.CheckConstraint(
                condition=models.Q(journal_order__in=JournalOrder.values), name="servicedesk_preferences_journal_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.theme}, {self.density}, {self.journal_order}, {self.language}, {self.time_zone}"

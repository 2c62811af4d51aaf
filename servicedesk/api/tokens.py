"""Personal API tokens: made by a user for themselves, shown once, kept as a hash, revocable, expiring."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.access import access_of, remember_access
from servicedesk.models import ApiToken

PREFIX = "sdk_"  # tells a leaked secret for what it is, to a person and to a secret scanner
SHOWN = 12  # characters of the secret kept in the clear, to tell tokens apart
USED_EVERY = datetime.timedelta(minutes=1)  # the last use is written at most this often
NAME_LENGTH = ApiToken._meta.get_field("name").max_length


def _hash(secret: str) -> str:
    # The secret carries 256 random bits: a plain hash is enough, and a lookup costs one index probe.
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: AbstractBaseUser, name: str, days: int, writes: bool) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its secret, which is not kept anywhere and cannot be shown again."""
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name that says what it is for.")
    elif len(name) > NAME_LENGTH:
        errors["name"] = _("A token's name has at most %(length)s characters.") % {"length": NAME_LENGTH}
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = _("A token lives from 1 to %(days)s days.") % {"days": settings.API_TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            # A name is unique among the tokens not revoked (a partial index cannot say "not expired"): an expired
            # token gives its name up when it is wanted again, recorded as ended at its expiry.
            ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True, expires_at__lte=now).update(
                revoked_at=F("expires_at")
            )
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=secret[:SHOWN],
                key_hash=_hash(secret),
                writes=writes,
                expires_at=now + datetime.timedelta(days=days),
            )
    except IntegrityError:
        raise ValidationError({"name": _("You already have a token of that name.")}) from None
    return token, secret


def token_revoke(*, user: AbstractBaseUser, token_id: int) -> ApiToken:
    """End one of ``user``'s own tokens; a request with it is refused from now on. Kept, to show it was."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for(secret: str) -> ApiToken | None:
    """The live token with this secret and its user, or ``None``: unknown, revoked, expired, or its user is
    no longer active, with what the user may do (``servicedesk.access``). Its last use is noted (at most once a
    minute, so that a request costs no write)."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .annotate(**access_of("user"))
        .filter(key_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    remember_access(token.user, token)
    if token.last_used_at is None or now - token.last_used_at >= USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: AbstractBaseUser) -> list[ApiToken]:
    """A user's tokens for their profile page: the live ones first, then those revoked or expired."""
    return sorted(ApiToken.objects.filter(user=user), key=lambda token: not token.live)

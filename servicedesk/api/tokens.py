"""Personal API tokens: made by a user for themselves, shown once, kept as a hash, revocable, expiring."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.access import remember_access, with_access
from servicedesk.compiled import CompiledQuery
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


# The statement every API call runs, compiled once per process (``servicedesk.compiled``): the user whose
# unrevoked token has the hash, with what they may do and the token's own columns, as ``token_<column>``.
_TOKEN_FIELDS = [field.attname for field in ApiToken._meta.concrete_fields]
_TOKEN_USER = CompiledQuery(
    lambda key_hash: (
        with_access(get_user_model()._default_manager)
        .filter(api_tokens__key_hash=key_hash, api_tokens__revoked_at__isnull=True)
        .annotate(**{f"token_{name}": F(f"api_tokens__{name}") for name in _TOKEN_FIELDS})
    ),
    placeholder="no secret hashes to this",
)


def token_for(secret: str) -> ApiToken | None:
    """The live token with this secret and its user, or ``None``: unknown, revoked, expired, or its user is
    no longer active, with what the user may do (``servicedesk.access``). Its last use is noted (at most once a
    minute, so that a request costs no write)."""
    if not secret.startswith(PREFIX):
        return None
    user = _TOKEN_USER.first(_hash(secret))
    now = timezone.now()
    if user is None or user.token_expires_at <= now or not user.is_active:
        return None
    token = ApiToken.from_db(user._state.db, _TOKEN_FIELDS, [getattr(user, f"token_{name}") for name in _TOKEN_FIELDS])
    token.user = remember_access(user)
    if token.last_used_at is None or now - token.last_used_at >= USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: AbstractBaseUser) -> list[ApiToken]:
    """A user's tokens for their profile page: the live ones first, then those revoked or expired."""
    return sorted(ApiToken.objects.filter(user=user), key=lambda token: not token.live)

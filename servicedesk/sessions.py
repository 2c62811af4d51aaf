"""Where a user is signed in: each session recorded at sign-in, its last activity kept (in the session, and on
its record at most once a minute), ended after ``SESSION_IDLE_MINUTES`` without activity, and ended on
request from the sessions page, one or all."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from servicedesk.models import UserSession

SEEN = "servicedesk.seen"  # the session's last activity, seconds since the epoch
SEEN_EVERY = 60  # seconds between two writes of the last activity


def session_signed_in(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """``user_logged_in``: record the new session (its key is the one ``login`` just gave it)."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    now = time.time()
    request.session[SEEN] = now
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "signed_in_at": moment,
            "last_seen_at": moment,
            "address": request.META.get("REMOTE_ADDR") or None,
            "user_agent": request.headers.get("user-agent", "")[:300],
        },
    )


def session_signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_out``: the session is gone."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def session_idle(request: HttpRequest) -> bool:
    """Whether the signed-in session has been idle too long; else its activity is noted (written at most once
    a minute, so that a page costs no write)."""
    seen = request.session.get(SEEN)
    now = time.time()
    if seen is None:
        if SESSION_KEY in request.session:  # signed in before sessions were watched: watched from now on
            request.session[SEEN] = now
        return False
    if now - seen > settings.SESSION_IDLE_MINUTES * 60:
        return True
    # A page refreshing itself (the queue, the dashboard: X-Background) is not someone at the desk.
    if now - seen >= SEEN_EVERY and request.headers.get("X-Background") != "1":
        request.session[SEEN] = now
        moment = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
        UserSession.objects.filter(session_key=request.session.session_key).update(last_seen_at=moment)
    return False


def sessions_of(user: AbstractBaseUser) -> list[UserSession]:
    """The user's sessions that are still alive, the most recently used first (the ended ones are forgotten:
    idle too long, or older than ``SESSION_COOKIE_AGE``)."""
    now = timezone.now()
    idle = datetime.timedelta(minutes=settings.SESSION_IDLE_MINUTES, seconds=SEEN_EVERY)
    ended = Q(last_seen_at__lt=now - idle) | Q(
        signed_in_at__lt=now - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    UserSession.objects.filter(ended, user=user).delete()
    return list(UserSession.objects.filter(user=user))


def sessions_end(sessions: Iterable[UserSession]) -> int:
    """Sign out of each session (its data deleted from the session store) and forget it; how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in sessions:
        store(session_key=session.session_key).delete()
        session.delete()
        ended += 1
    return ended

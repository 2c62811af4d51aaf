"""Optimistic concurrency over HTTP: a record's version is its ``ETag``; a write names the version it read in
``If-Match`` (required) and is refused with 412 and what changed since when the record moved on.

Two kinds of tag: ``"v3"``, the version number of a record that keeps one (an incident), and ``"t…"``, the
moment a record without one was last saved (its ``updated_at`` in microseconds since 1970, as the pages' edit
forms compare it: ``servicedesk.forms.EditConflictGuard``)."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request

from servicedesk.api.problems import Problem

_TAG = re.compile(r'\s*(?:W/)?"v(\d{1,9})"\s*')
_MOMENT_TAG = re.compile(r'\s*(?:W/)?"t(\d{1,17})"\s*')
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
# What the schema says an If-Match looks like: one ETag as the API gives it.
ETAG_PATTERN = r'^(W/)?"v[0-9]{1,9}"$'


def etag(version: int) -> str:
    return f'"v{version}"'


def etag_at(moment: datetime.datetime) -> str:
    """The tag of a record last saved at ``moment``: exact to the microsecond, as the database keeps it."""
    return f'"t{(moment - _EPOCH) // _MICROSECOND}"'


def expected_version(request: Request) -> int:
    """The version named by the request's ``If-Match``: 428 without one, 400 for one that names no version."""
    match = _TAG.fullmatch(_if_match(request))
    if match is None:
        raise Problem(
            status.HTTP_400_BAD_REQUEST,
            "invalid-if-match",
            _('If-Match takes one ETag as the API gave it, such as "v3".'),
        )
    return int(match[1])


def expected_moment(request: Request) -> datetime.datetime:
    """When the record named by the request's ``If-Match`` was saved (``etag_at``): 428 without one, 400 for a
    tag the API did not give."""
    match = _MOMENT_TAG.fullmatch(_if_match(request))
    if match is None:
        raise Problem(
            status.HTTP_400_BAD_REQUEST,
            "invalid-if-match",
            _('If-Match takes one ETag as the API gave it, such as "t1765000000000000".'),
        )
    try:
        return _EPOCH + int(match[1]) * _MICROSECOND
    except OverflowError:  # seventeen digits reach past the year 9999
        raise Problem(
            status.HTTP_400_BAD_REQUEST, "invalid-if-match", _("This ETag names no moment the API could have given.")
        ) from None


def _if_match(request: Request) -> str:
    header = request.headers.get("If-Match")
    if not header:
        raise Problem(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "precondition-required",
            _("Send the ETag you read in If-Match, so that a change made since is not overwritten."),
        )
    return header

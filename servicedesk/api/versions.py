"""Optimistic concurrency over HTTP: a record's version is its ``ETag``; a write names the version it read in
``If-Match`` (required) and is refused with 412 and what changed since when the record moved on."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request

from servicedesk.api.problems import Problem

_TAG = re.compile(r'\s*(?:W/)?"v(\d{1,9})"\s*')
# What the schema says an If-Match looks like: one ETag as the API gives it.
ETAG_PATTERN = r'^(W/)?"v[0-9]{1,9}"$'


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(request: Request) -> int:
    """The version named by the request's ``If-Match``: 428 without one, 400 for one that names no version."""
    header = request.headers.get("If-Match")
    if not header:
        raise Problem(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "precondition-required",
            _("Send the ETag you read in If-Match, so that a change made since is not overwritten."),
        )
    match = _TAG.fullmatch(header)
    if match is None:
        raise Problem(
            status.HTTP_400_BAD_REQUEST,
            "invalid-if-match",
            _('If-Match takes one ETag as the API gave it, such as "v3".'),
        )
    return int(match[1])

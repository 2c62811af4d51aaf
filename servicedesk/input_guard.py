"""The guard at the door: a request with control characters or broken encoding in what it sends is refused with a
400 before anything reads it (docs/decisions/0020-bad-input.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

# C0 control characters; tab, newline and carriage return are allowed in values (a pasted note has them),
# never in a path or a parameter's name.
CONTROL = re.compile(r"[\x00-\x1f]")
CONTROL_IN_VALUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
BROKEN_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
FORM_ENCODED = "application/x-www-form-urlencoded"


class InputGuardMiddleware:
    """400 for a NUL (or another control character), invalid UTF-8 or a broken %-escape in the path, the query
    string or a form's fields; first in ``MIDDLEWARE``, so a refused request changes nothing.

    Uploaded files are never read here: their content may hold any byte.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = path_problem(request) or query_problem(request) or body_problem(request)
        if problem:
            raise BadRequest(problem)
        return self.get_response(request)


def path_problem(request: HttpRequest) -> str | None:
    """The path as the server decoded it must be UTF-8 without control characters; where the server hands over
    the raw address (gunicorn's ``RAW_URI``), its %-escapes must be whole."""
    raw_uri = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    if BROKEN_ESCAPE.search(raw_uri.split("?", 1)[0].encode("latin-1", "replace")):
        return "broken %-escape in the path"
    # Django hands bytes that are not UTF-8 on as %-escapes (repercent_broken_unicode): undone, they fail here.
    # A literal "%C3" in a name (sent as "%25C3") is refused too; no address of ours needs one.
    try:
        unquote_to_bytes(request.path_info).decode()
    except UnicodeError:
        return "the path is not UTF-8"
    if CONTROL.search(request.path_info):
        return "control character in the path"
    return None


def query_problem(request: HttpRequest) -> str | None:
    return form_encoded_problem(request.META.get("QUERY_STRING", "").encode("latin-1", "replace"), "query string")


def body_problem(request: HttpRequest) -> str | None:
    """A form-encoded body is checked like a query string; a multipart body in its text fields and file names."""
    if request.method != "POST":
        return None
    if request.content_type == FORM_ENCODED:
        return form_encoded_problem(request.body, "form")
    if request.content_type == "multipart/form-data":
        try:
            fields = list(request.POST.lists())
            file_names = [(name, [upload.name or "" for upload in uploads]) for name, uploads in request.FILES.lists()]
        except MultiPartParserError:
            return None  # the view's own parsing answers this as it always did
        return fields_problem(fields + file_names, "form")
    return None


def form_encoded_problem(raw: bytes, where: str) -> str | None:
    """``name=value&...`` with whole %-escapes, in UTF-8, and no control characters once decoded."""
    if BROKEN_ESCAPE.search(raw):
        return f"broken %-escape in the {where}"
    pairs = []
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            pairs.append((_decoded(name), [_decoded(value)]))
        except UnicodeError:
            return f"the {where} is not UTF-8"
    return fields_problem(pairs, where)


def fields_problem(fields: Iterable[tuple[str, list[str]]], where: str) -> str | None:
    for name, values in fields:
        if CONTROL.search(name) or any(CONTROL_IN_VALUE.search(value) for value in values):
            return f"control character in the {where}"
    return None


def _decoded(part: bytes) -> str:
    return unquote_to_bytes(part.replace(b"+", b" ")).decode()

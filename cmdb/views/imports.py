"""The CMDB import page and its templates, for configuration managers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from cmdb import exports
from cmdb.forms_import import ImportForm
from cmdb.importers import IMPORTERS, can_import, importers_for
from cmdb.imports import ImportRefused, import_rows


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and what goes in each file. POST: import the file and show the report."""
    importers = importers_for(request.user)
    if not importers:
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, importers=importers)
        if form.is_valid():
            try:
                report = import_rows(
                    kind=form.cleaned_data["kind"],
                    rows=form.cleaned_data["file"],
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ImportRefused as refused:
                form.add_error("file", refused.message)
    else:
        form = ImportForm(initial={"kind": request.GET.get("kind")}, importers=importers)
    return render(request, "cmdb/import.html", {"form": form, "report": report, "importers": importers})


@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The CSV template of one kind: the columns and an example row."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise Http404
    if not can_import(request.user, importer):
        raise PermissionDenied
    return exports.import_template(kind=kind)

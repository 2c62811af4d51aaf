"""Exporting CMDB lists as CSV: whatever a list shows, filtered as it is, for a spreadsheet.

Locations, contacts, configuration items and relationships are written with exactly the columns of
their import template, so an export can be edited and imported back. Services, support groups and
changes are export-only. Cells that a spreadsheet would run as a formula (starting with = + - @) get a
leading apostrophe (``servicedesk.spreadsheets``); the importer removes it again.

An export streams its rows and reads them with a fixed number of queries: one for the rows, plus one
per prefetched relation for every ``CHUNK_SIZE`` rows.
"""

from __future__ import annotations

import csv
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from cmdb.importers import IMPORTERS, Importer, yes_no
from cmdb.models import Change, ConfigurationItem, Service, SupportGroup
from servicedesk.spreadsheets import BOM, CSV, csv_download, download_name, safe_cell

CHUNK_SIZE = 2000


class Exporter(Protocol):
    header: list[str]

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet: ...

    def export_row(self, instance: Any) -> list[str]: ...


def _names(items: Any) -> str:
    return "; ".join(str(item) for item in items)


def _moment(value: Any) -> str:
    return timezone.localtime(value).isoformat(sep=" ", timespec="minutes") if value else ""


class ServiceExporter:
    header = ["name", "criticality", "owner_group", "active", "cis", "description"]

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("owner_group").prefetch_related(
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name").only("name"))
        )

    def export_row(self, instance: Service) -> list[str]:
        return [
            instance.name,
            instance.criticality,
            instance.owner_group.name if instance.owner_group else "",
            yes_no(instance.active),
            _names(ci.name for ci in instance.cis.all()),
            instance.description,
        ]


class SupportGroupExporter:
    header = ["name", "tier", "email", "manager", "members", "active", "description"]

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        users = get_user_model()
        return queryset.select_related("manager").prefetch_related(
            Prefetch("members", queryset=users.objects.order_by(users.USERNAME_FIELD))
        )

    def export_row(self, instance: SupportGroup) -> list[str]:
        return [
            instance.name,
            str(instance.tier),
            instance.email,
            instance.manager.get_username() if instance.manager else "",
            _names(member.get_username() for member in instance.members.all()),
            yes_no(instance.active),
            instance.description,
        ]


class ChangeExporter:
    header = ["number", "title", "state", "planned_start", "planned_end", "implemented_at", "cis", "description"]

    def export_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.prefetch_related(
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name").only("name"))
        )

    def export_row(self, instance: Change) -> list[str]:
        return [
            instance.number,
            instance.title,
            instance.state,
            _moment(instance.planned_start),
            _moment(instance.planned_end),
            _moment(instance.implemented_at),
            _names(ci.name for ci in instance.cis.all()),
            instance.description,
        ]


EXPORTERS: dict[str, Exporter | Importer] = {
    **IMPORTERS,
    "services": ServiceExporter(),
    "supportgroups": SupportGroupExporter(),
    "changes": ChangeExporter(),
}


def export_filename(*, kind: str) -> str:
    """ "cmdb-cis-2026-05-04.csv": the kind and today's date."""
    return download_name(f"cmdb-{kind}", CSV)


def export_csv(*, kind: str, queryset: models.QuerySet) -> StreamingHttpResponse:
    """The records of ``queryset`` as a CSV download, with the columns of ``kind``'s import template.

    Raises ``LookupError`` for a kind that cannot be exported.
    """
    exporter = EXPORTERS.get(kind)
    if exporter is None:
        raise LookupError(gettext("“%(kind)s” cannot be exported.") % {"kind": kind})
    rows = (exporter.export_row(instance) for instance in exporter.export_queryset(queryset).iterator(CHUNK_SIZE))
    return csv_download(stem=f"cmdb-{kind}", header=exporter.header, rows=rows)


def import_template(*, kind: str) -> HttpResponse:
    """The import template of ``kind``: the header and one example row. Raises Http404 for other kinds."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise Http404(gettext("There is no import template for “%(kind)s”.") % {"kind": kind})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cmdb-{kind}-template.csv"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(importer.header)
    writer.writerow([safe_cell(value) for value in importer.example])
    return response

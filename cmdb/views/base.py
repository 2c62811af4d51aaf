"""What CMDB pages add to the shared page classes: the CSV export of any filtered list."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse

from cmdb.exports import export_csv
from servicedesk.pages import ListPage


class CMDBListView(ListPage):
    """A CMDB list; ``?export=csv`` downloads the filtered rows in the import template's columns."""

    export_kind: str = ""

    def export(self, queryset: QuerySet, fmt: str) -> HttpResponse | None:
        return export_csv(kind=self.export_kind, queryset=queryset)

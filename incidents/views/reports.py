"""Reports (``incidents.reporting.reports``): the dashboard's figures per service, group or category, as a table
or CSV."""

from __future__ import annotations

import csv
import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from incidents.forms.reporting import PeriodForm
from incidents.reporting import reports
from servicedesk.spreadsheets import safe_cell


class ReportForm(PeriodForm):
    by = forms.ChoiceField(
        label=gettext_lazy("Per"), choices=[(key, d.label) for key, d in reports.DIMENSIONS.items()], initial="service"
    )
    field_order = ("by", "start", "end")


@require_GET
@permission_required("incidents.view_dashboard", raise_exception=True)
def report_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    defaults = {"by": "service", "start": today - datetime.timedelta(days=29), "end": today}
    form = ReportForm(request.GET if "start" in request.GET else None, initial=defaults)
    values = form.cleaned_data if form.is_bound and form.is_valid() else (None if form.is_bound else defaults)
    rows, dimension = [], reports.DIMENSIONS[(values or defaults)["by"]]
    if values is not None:
        period = reports.period_between(values["start"], values["end"])
        rows = reports.report(period=period, dimension=dimension)
        if request.GET.get("export") == "csv":
            return _csv(rows, dimension, values)
    context = {"form": form, "rows": rows, "dimension": dimension, "columns": reports.COLUMNS, "query": request.GET}
    return render(request, "incidents/reports.html", context, status=400 if values is None else 200)


def _csv(rows: list[reports.ReportRow], dimension: reports.Dimension, values: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"incidents-per-{dimension.name}-{values['start']:%Y-%m-%d}-{values['end']:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([str(dimension.label), *(reports.csv_header(column, label) for column, label in reports.COLUMNS)])
    for row in rows:
        writer.writerow([safe_cell(row.name), *(reports.csv_value(row, column) for column, _ in reports.COLUMNS)])
    return response

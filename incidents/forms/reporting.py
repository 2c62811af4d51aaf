"""The period of the reports and the dashboard's figures: from one day to another, both included, at most a year,
within the years a desk has figures for (a period near year 1 or 9999 has no midnight after it, nor a period before
it to compare with)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.reporting import reports

FIRST_DAY, LAST_DAY = datetime.date(1970, 1, 1), datetime.date(2999, 12, 31)
WITHIN = gettext_lazy("Choose a day from 1970 to 2999.")


def _day(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}),
        validators=[MinValueValidator(FIRST_DAY, WITHIN), MaxValueValidator(LAST_DAY, WITHIN)],
    )


class PeriodForm(forms.Form):
    start = _day(gettext_lazy("From"))
    end = _day(gettext_lazy("Until"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The period ends before it starts."))
            elif (end - start).days >= reports.MAX_DAYS:
                self.add_error("end", _("Choose a period of at most a year."))
        return cleaned

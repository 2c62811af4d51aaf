"""Human record numbers (CHG0001000, PRB0001000, KE0001000, INC0001000) drawn from database sequences.

A number is a column default computed by PostgreSQL at insert time, so every path that creates a record
(a form, the admin, an import, a bulk insert) gets one, the page can show it the moment the record is
saved (Django reads it back with RETURNING), and a number is never reused, not even after a rollback.
Each sequence is created by its app's migration before the table that uses it.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Cast, Concat, LPad


class SequenceNumber(models.Func):
    """``'<prefix>' || lpad(nextval('<sequence>'), <width>, '0')`` as a column's ``db_default``."""

    def __init__(self, prefix: str, sequence: str, width: int = 7) -> None:
        nextval = models.Func(models.Value(sequence), function="nextval")
        super().__init__(
            Concat(
                models.Value(prefix),
                LPad(Cast(nextval, models.CharField()), width, models.Value("0")),
                output_field=models.CharField(),
            ),
            function="",
            output_field=models.CharField(),
        )

"""The day figures' time zone, their compaction, and building them again (``incidents.models.figures``).

The database triggers count every figure on a day of the desk's time zone, which the database function
``incidents_local_day`` holds (its comment names the zone). After every ``migrate``, ``follow_time_zone``
compares it with ``settings.TIME_ZONE``; when they differ it replaces the function and rebuilds every row,
since each incident may now count on another day.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import connections, transaction

DAY_FUNCTION = "incidents_local_day(timestamptz)"
ZONE_NAME = re.compile(r"[A-Za-z0-9_+/-]+")


def zone(using: str = "default") -> str | None:
    """The zone the database counts days in (``None`` before the migrations made the function)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [DAY_FUNCTION])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT obj_description(%s::regprocedure, 'pg_proc')", [DAY_FUNCTION])
        return cursor.fetchone()[0]


def rebuild(using: str = "default") -> None:
    """Every day figure again from the incidents, their CI links and the journal (one transaction)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT incidents_rebuild_figures()")


def compact(using: str = "default") -> None:
    """Sum each day's rows added by changes since the last compaction into one (the sweep's, every few
    minutes): the figures stay what they were, the dashboard reads fewer rows. Does nothing while another
    compaction runs."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT incidents_compact_figures()")


def follow_time_zone(using: str = "default", *, time_zone: str | None = None) -> bool:
    """Count days in ``time_zone`` (``settings.TIME_ZONE``); True when that changed the figures."""
    time_zone = time_zone or settings.TIME_ZONE
    current = zone(using)
    if current is None or current == time_zone:
        return False
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # Written into the function's text, so only a zone name's characters, and one PostgreSQL knows.
        if not ZONE_NAME.fullmatch(time_zone):
            raise ValueError(f"Not a time zone name: {time_zone!r}")
        cursor.execute("SELECT now() AT TIME ZONE %s", [time_zone])
        quoted = f"'{time_zone}'"
        cursor.execute(
            "CREATE OR REPLACE FUNCTION incidents_local_day(moment timestamptz) RETURNS date"
            f" LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT (moment AT TIME ZONE {quoted})::date $$"
        )
        cursor.execute(f"COMMENT ON FUNCTION {DAY_FUNCTION} IS {quoted}")
        rebuild(using)
    return True


def follow_time_zone_after_migrate(*, using: str = "default", **_kwargs: Any) -> None:
    """``post_migrate`` receiver (``incidents.apps``)."""
    follow_time_zone(using)

"""A moment typed the way a desk says it ("14:05", "now", "-20m", "27 Nov 2026 14:05"), read in the desk's time
zone, and the dates of every page written one way."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import timezone, translation

from servicedesk.dateformats import formatted
from servicedesk.forms import MomentField, parse_moment

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 11, 27, 16, 30, 42, tzinfo=AMSTERDAM)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def in_amsterdam():
    with timezone.override(AMSTERDAM):
        yield


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("now", at(2026, 11, 27, 16, 30)),
        (" NOW ", at(2026, 11, 27, 16, 30)),
        ("14:05", at(2026, 11, 27, 14, 5)),
        ("9.05", at(2026, 11, 27, 9, 5)),
        ("-20m", at(2026, 11, 27, 16, 10)),
        ("- 20 min", at(2026, 11, 27, 16, 10)),
        ("-2h", at(2026, 11, 27, 14, 30)),
        ("-1h30m", at(2026, 11, 27, 15, 0)),
        ("-1d", at(2026, 11, 26, 16, 30)),
        ("yesterday 23:50", at(2026, 11, 26, 23, 50)),
        ("today 8:00", at(2026, 11, 27, 8, 0)),
        ("27 Nov 2026 14:05", at(2026, 11, 27, 14, 5)),
        ("27 Nov 2026, 14:05", at(2026, 11, 27, 14, 5)),  # as the portal writes it, so a prefilled value reads back
        ("3 december 2025 07:45", at(2025, 12, 3, 7, 45)),
        ("27 nov 14:05", at(2026, 11, 27, 14, 5)),
        ("2026-11-27 14:05", at(2026, 11, 27, 14, 5)),
        ("2026-11-27T14:05", at(2026, 11, 27, 14, 5)),
        # Dutch, as a Dutch user types it or copies it from a Dutch page.
        ("nu", at(2026, 11, 27, 16, 30)),
        ("gisteren 23:50", at(2026, 11, 26, 23, 50)),
        ("vandaag 8:00", at(2026, 11, 27, 8, 0)),
        ("-2u", at(2026, 11, 27, 14, 30)),
        ("-1 dag", at(2026, 11, 26, 16, 30)),
        ("27 okt 2026, 14:05", at(2026, 10, 27, 14, 5)),
        ("3 mrt 2026 07:45", at(2026, 3, 3, 7, 45)),
        ("1 mei 2026 07:45", at(2026, 5, 1, 7, 45)),
        ("3 maart 2026 07:45", at(2026, 3, 3, 7, 45)),
    ],
)
def test_a_moment_is_read_as_the_desk_types_it(typed, meant):
    assert parse_moment(typed, now=NOW) == meant


@pytest.mark.parametrize(
    "typed",
    [
        *("", "soon", "25:00", "14:60", "31 Feb 2026 10:00", "2026-02-31 10:00", "27 Nov 2026", "27 Novx 2026 10:00"),
        *("-20", "-20x", "27/11/2026 14:05"),
    ],
)
def test_anything_else_is_not_a_moment(typed):
    assert parse_moment(typed, now=NOW) is None


def test_the_field_says_how_to_write_a_moment_and_shows_one_the_portals_way():
    field = MomentField(label="Occurred")

    with pytest.raises(forms.ValidationError) as refused:
        field.clean("yesterday-ish")

    assert "“14:05” (today), “now”, “-20m” (20 minutes ago) or “27 Nov 2026 14:05”" in refused.value.messages[0]
    assert field.widget.format_value(at(2026, 11, 27, 14, 5)) == "27 Nov 2026, 14:05"
    html = field.widget.render("occurred_at", at(2026, 11, 27, 14, 5))
    assert 'type="text"' in html and 'value="27 Nov 2026, 14:05"' in html


def test_every_template_writes_dates_the_portals_way():
    """Day, abbreviated month, year, 24-hour clock: the named formats (servicedesk/formats/en/formats.py), or
    a pattern of the same pieces (the dashboard's "Mon 30 Nov 2026"); never a month in full or in figures."""
    allowed = re.compile(r"[A-Z_]+_FORMAT|c|[DjMY, H:i]+")
    found = {
        (path.relative_to(TEMPLATES).as_posix(), pattern)
        for path in TEMPLATES.rglob("*.*")
        if path.suffix in {".html", ".txt"}
        for pattern in re.findall(r"""\|date:["']([^"']*)["']""", path.read_text())
    }

    assert found  # the scan reads the templates
    assert [(name, pattern) for name, pattern in sorted(found) if not allowed.fullmatch(pattern)] == []


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_lists_moment_is_written_as_djangos_short_format_writes_it(language, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    moments = [NOW, NOW.replace(month=3, hour=0, minute=5), datetime.datetime(2026, 5, 1, 23, 59, tzinfo=datetime.UTC)]
    page = Template(
        "{% load times %}{% for moment in moments %}{{ moment|short_datetime }}|{% endfor %}{{ none|short_datetime }}"
    )
    django_page = Template('{% for moment in moments %}{{ moment|date:"SHORT_DATETIME_FORMAT" }}|{% endfor %}')

    with translation.override(language), timezone.override(AMSTERDAM):
        written = page.render(Context({"moments": moments, "none": None}))
        expected = django_page.render(Context({"moments": moments}))

    assert written == expected  # in the current zone: 1 May 23:59 UTC is 2 May in Amsterdam
    assert written.split("|")[2] == ("2 May 2026, 01:59" if language == "en" else "2 mei 2026, 01:59")
    assert formatted(NOW, r"\T\o\d\a\y \i\s l") == "Today is Friday"  # escaped letters as Django writes them

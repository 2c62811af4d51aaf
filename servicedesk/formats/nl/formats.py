"""Dates and times as a Dutch desk writes them: day month year and a 24-hour clock ("27 nov 2026, 17:06"), the
same form as the English pages (``servicedesk/formats/en/formats.py``), the month's name in Dutch.

Django's own Dutch formats (``"27 november 2026 17:06"`` beside ``"27-11-2026 17:06"``) are left for these, so that
a list reads the same in both languages. What forms accept stays Django's.
"""

DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # maandag

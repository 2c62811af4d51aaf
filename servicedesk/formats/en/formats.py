"""How dates and times are written on every page and in every mail: one form, day month year and a 24-hour
clock ("27 Nov 2026, 17:06"), the same in lists, the incident page, the journal and the notifications.

Django's English formats (``"Nov. 27, 2026, 5:06 p.m."`` beside ``"11/27/2026 5:06 p.m."``) read as two
different things, and a desk working in several countries reads month-first dates wrongly. Only the
display formats are set here; what forms accept stays Django's (ISO dates from date pickers included).
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday, as the dashboard's weeks

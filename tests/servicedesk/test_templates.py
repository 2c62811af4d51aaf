"""Templates never compare against an enum or any other class: Django calls a callable template variable, so
``{% if answer == Answer.WORKS %}`` compares with "" and fails silently. Views pass what a page decides."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

CLASS_COMPARISON = re.compile(r"\{%\s*(?:el)?if\b[^%]*(?:==|!=|\bin\b)\s*[A-Z][A-Za-z]*\.[A-Za-z_]+[^%]*%\}")


def test_no_template_compares_a_value_with_a_class_attribute():
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    offending = [
        f"{path}: {match.group(0)}"
        for folder in folders
        for path in folder.rglob("*.html")
        for match in CLASS_COMPARISON.finditer(path.read_text())
    ]
    assert offending == []

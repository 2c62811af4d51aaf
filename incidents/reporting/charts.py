"""Charts drawn on the server as SVG: no script, readable without colour, the numbers also in a table.

A chart is a list of bars computed here (positions in a fixed view box); the template
``incidents/partials/bar_chart.html`` draws them with a title and a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, BASELINE, LABEL_EVERY = 600, 160, 140, 7


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    series: int
    show_label: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    rows: tuple[tuple[str, tuple[int, ...]], ...]
    maximum: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = BASELINE


def bar_chart(
    *, title: str, description: str, series: Sequence[str], rows: Sequence[tuple[str, Sequence[int]]]
) -> BarChart:
    """Grouped bars: one group per row (a day), one bar per series (reported, resolved)."""
    maximum = max((value for _, values in rows for value in values), default=0) or 1
    slot = WIDTH / max(len(rows), 1)
    width = slot * 0.8 / max(len(series), 1)
    every = max(1, len(rows) // LABEL_EVERY)
    bars = []
    for index, (label, values) in enumerate(rows):
        for number, value in enumerate(values):
            height = (BASELINE - 10) * value / maximum
            bars.append(
                Bar(
                    label=label,
                    value=value,
                    x=round(index * slot + slot * 0.1 + number * width, 2),
                    y=round(BASELINE - height, 2),
                    width=round(width, 2),
                    height=round(height, 2),
                    series=number,
                    show_label=number == 0 and index % every == 0,
                )
            )
    table = tuple((label, tuple(values)) for label, values in rows)
    return BarChart(title, description, tuple(series), tuple(bars), table, maximum)

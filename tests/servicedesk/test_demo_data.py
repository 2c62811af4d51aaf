"""The demo's data files: one reader, which names the file and the key of a typo."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from django.db import models

from cmdb.demo.records import Services
from servicedesk.demo_data import ROOT, DemoDataError, MarkdownFile, read_demo_data


class Colour(models.TextChoices):
    DARK_RED = "red", "Dark red"
    GREEN = "green", "Green"


class Size(models.IntegerChoices):
    SMALL = 1, "Small"
    LARGE = 2, "Large"


@dataclass(frozen=True)
class Part:
    name: str
    colour: Colour
    size: Size = Size.SMALL
    tags: tuple[str, ...] = ()
    weights: dict[Colour, int] | None = None


@dataclass(frozen=True)
class Catalogue:
    part: tuple[Part, ...]
    start: Literal["now", "later"] | int = "now"
    opens: datetime.time | None = None
    notes: MarkdownFile | None = None
    prices: dict[int, float] | None = None


def write(tmp_path: Path, text: str, name: str = "parts.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_is_read_into_its_records_with_choices_by_value_or_name_and_markdown_beside_it(tmp_path):
    write(tmp_path, "# Notes\n\nText.\n\n", "notes.md")
    path = write(
        tmp_path,
        """
        start = 3
        opens = 08:05:00
        notes = "notes.md"
        prices = { 1 = 2, 2 = 2.5 }

        [[part]]
        name = "bolt"
        colour = "red"
        size = "large"
        tags = ["steel", "m8"]
        weights = { red = 3, green = 1 }

        [[part]]
        name = "nut"
        colour = "dark_red"
        """,
    )

    catalogue = read_demo_data(path, Catalogue)

    assert catalogue.part == (
        Part("bolt", Colour.DARK_RED, Size.LARGE, ("steel", "m8"), {Colour.DARK_RED: 3, Colour.GREEN: 1}),
        Part("nut", Colour.DARK_RED),
    )
    assert (catalogue.start, catalogue.opens, catalogue.notes) == (3, datetime.time(8, 5), "# Notes\n\nText.\n")
    assert catalogue.prices == {1: 2.0, 2: 2.5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[part]]\nname = "bolt"\ncolour = "red"\nsise = "large"',
            'parts.toml: part[0] ("bolt").sise: unknown key (expected one of: name, colour, size, tags, weights)',
        ),
        (
            '[[part]]\nname = "bolt"\ncolour = "blue"',
            'parts.toml: part[0] ("bolt").colour: "blue" is none of the Colour choices: red, green',
        ),
        (
            '[[part]]\nname = "bolt"\ncolour = "red"\nsize = "huge"',
            'parts.toml: part[0] ("bolt").size: "huge" is none of the Size choices: small, large',
        ),
        (
            '[[part]]\nname = "bolt"\ncolour = "red"\nweights = { red = 1, blu = 2 }',
            'parts.toml: part[0] ("bolt").weights.blu: "blu" is none of the Colour choices: red, green',
        ),
        ('[[part]]\nname = "bolt"', 'parts.toml: part[0] ("bolt").colour: missing'),
        ('[[part]]\nname = "bolt"\ncolour = "red"\ntags = "steel"', "tags: expected an array, found a string"),
        ('[[part]]\nname = 7\ncolour = "red"', "parts.toml: part[0].name: expected a string, found an integer"),
        ('[[part]]\nname = "bolt"\ncolour = "red"\nsize = true', "size: true is none of the Size choices"),
        ("part = []\nstart = 'soon'", 'start: "soon" is not one of "now", "later"; or expected an integer'),
        ("part = []\nnotes = 'missing.md'", "parts.toml: notes: no Markdown file 'missing.md' beside the data file"),
        ("part = []\nprices = { one = 1.0 }", "parts.toml: prices.one: expected an integer as the key"),
        ("parts = []", "parts.toml: parts: unknown key (expected one of: part, start, opens, notes, prices)"),
        ("part = [", "parts.toml: Invalid"),
    ],
)
def test_a_typo_in_a_file_names_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path, text)

    with pytest.raises(DemoDataError) as error:
        read_demo_data(path, Catalogue)

    assert message in str(error.value)
    assert str(error.value).startswith(str(path))


def test_a_file_of_the_project_is_named_from_the_project_root():
    path = ROOT / "cmdb" / "demo" / "data" / "missing.toml"

    with pytest.raises(DemoDataError, match=r"^cmdb/demo/data/missing\.toml: "):
        read_demo_data(path, Catalogue)


def test_a_typo_in_a_real_data_file_names_its_record(tmp_path):
    text = (ROOT / "cmdb" / "demo" / "data" / "services.toml").read_text(encoding="utf-8")
    path = write(tmp_path, text.replace('criticality = "high"', 'criticality = "hihg"', 1), "services.toml")

    with pytest.raises(DemoDataError) as error:
        read_demo_data(path, Services)

    assert str(error.value) == (
        f'{path}: services[1] ("Payroll").criticality: "hihg" is none of the Criticality choices: '
        "low, medium, high, critical"
    )

"""Every message of the portal is translated in each language it offers, and the compiled catalogue is the one the
committed ``.po`` gives (decision 0052): a string marked for translation and not translated fails CI here, by name.

The messages are gathered with ``makemessages`` from a copy of the sources into a copy of the catalogue, so that the
repository is never written; the gettext tools must be on the machine (``.ci/run`` installs them).
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# What makemessages reads: the portal's sources, not its tests, benchmarks or dependencies.
SOURCES = ("servicedesk", "cmdb", "incidents", "knowledge", "templates", "static")
TOOLS = ("xgettext", "msgmerge", "msgfmt", "msgattrib")

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS), reason="the gettext tools (xgettext, msgfmt…) are not installed"
)


def catalogue(language: str, root: Path = ROOT) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def msgids(po: Path, *flags: str) -> list[str]:
    """The msgids of the entries ``msgattrib`` selects with ``flags`` (``--untranslated``, ``--only-fuzzy``)."""
    selected = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", "--no-wrap", str(po)], capture_output=True, text=True, check=True
    ).stdout
    found = re.findall(r'^msgid "(.*)"$', selected, flags=re.MULTILINE)
    return [msgid for msgid in found if msgid]  # the header's msgid is empty


@pytest.fixture(scope="module")
def gathered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources and the catalogues, with makemessages run over it."""
    copy = tmp_path_factory.mktemp("translations")
    for name in SOURCES:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(ROOT / "locale", copy / "locale")
    here = Path.cwd()
    os.chdir(copy)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command("makemessages", locale=LANGUAGES, no_obsolete=True, verbosity=0)
    finally:
        os.chdir(here)
    return copy


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(gathered: Path, language: str) -> None:
    po = catalogue(language, gathered)

    # A message new since the catalogue was made comes in untranslated (or fuzzy, when it looks like an old one).
    untranslated = msgids(po, "--untranslated")
    fuzzy = msgids(po, "--only-fuzzy")

    assert not untranslated, f"{len(untranslated)} untranslated in {language}: run makemessages and translate\n" + (
        "\n".join(untranslated)
    )
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}: check and drop the fuzzy flag\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_committed_one(tmp_path: Path, language: str) -> None:
    po = catalogue(language)
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)

    def messages(mo: Path) -> dict:
        with mo.open("rb") as file:
            return gettext.GNUTranslations(file)._catalog

    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run compilemessages -l {language}"
    assert messages(committed) == messages(compiled), f"{committed} is stale: run compilemessages -l {language}"


# The names makemessages gives xgettext (and xgettext's own): a message marked under any other name is never
# gathered, so it would stay English in every language without this test noticing.
GATHERED = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
ALIAS = re.compile(r"^from django\.utils\.translation import (?P<names>.+)$", re.MULTILINE)


def test_messages_are_marked_under_names_makemessages_gathers() -> None:
    unseen = []
    for name in SOURCES:
        for path in sorted((ROOT / name).rglob("*.py")):
            for match in ALIAS.finditer(path.read_text(encoding="utf-8")):
                for imported in match["names"].strip("()").split(","):
                    alias = imported.split(" as ")[-1].strip()
                    if alias.startswith(("gettext", "ngettext", "pgettext", "_")) and alias not in GATHERED:
                        unseen.append(f"{path.relative_to(ROOT)}: {imported.strip()}")

    assert not unseen, "makemessages does not gather messages marked with these names:\n" + "\n".join(unseen)

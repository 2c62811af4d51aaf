"""The static files' storage: gzip copies for every browser, no brotli ones whatever is installed."""

from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.test import override_settings

from servicedesk.static_files import StaticFilesStorage


def test_compressing_writes_a_gzip_copy_and_no_brotli_one(tmp_path: Path):
    with override_settings(STATIC_ROOT=tmp_path):
        storage = StaticFilesStorage(location=tmp_path)
        storage.save("js/app.js", ContentFile(b"console.log('the desk');\n" * 200))
        written = [compressed for _, compressed in storage.compress_files(["js/app.js"])]

    assert written == ["js/app.js.gz"]
    assert (tmp_path / "js/app.js.gz").exists()
    assert not (tmp_path / "js/app.js.br").exists()

"""The storage of the portal's static files: whitenoise's, hashed names and gzip copies, never brotli ones."""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise writes brotli copies whenever the brotli package happens to be installed: a development checkout
    has it (Locust's HTTP client needs it), the production image has not. At brotli's top quality the API
    reference's bundles take minutes on two cores, at every ``serve`` start; gzip alone takes seconds and every
    browser reads it, so development and production serve the same files."""

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)

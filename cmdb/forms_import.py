"""The upload form of the CMDB import: which kind of file, and the file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cmdb.importers import Importer
from cmdb.imports import MAX_IMPORT_BYTES


class ImportForm(forms.Form):
    """Choose what the file holds (only the kinds the user may import) and upload it."""

    kind = forms.ChoiceField(label=_("The file holds"))
    file = forms.FileField(label=_("CSV file"))
    dry_run = forms.BooleanField(
        label=_("Only check the file"),
        required=False,
        help_text=_("Report what the import would do, and change nothing."),
    )

    def __init__(self, *args: Any, importers: list[Importer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(importer.kind, importer.label) for importer in importers]
        self.fields["file"].help_text = gettext(
            "UTF-8 CSV whose first line names the template's columns; at most %(size)s."
        ) % {"size": filesizeformat(MAX_IMPORT_BYTES)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                gettext("The file is %(size)s; files of at most %(limit)s can be imported. Split it into parts.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_IMPORT_BYTES)}
            )
        return upload

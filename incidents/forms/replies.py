"""The reply box of the status page: what a person writes, and files. The rules (empty, too long, which files,
a closed incident) are ``incidents.inbound.replies``'s; the view puts its errors back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.forms.journal import MultipleFileField
from incidents.inbound.replies import MAX_REPLY
from incidents.journal.attachments import accepted_file_types


class StatusReplyForm(forms.Form):
    # Not required here: a reply of files alone is one, and the service says what is missing.
    text = forms.CharField(
        label=_("Your reply"),
        required=False,
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(
        label=_("Files (optional)"),
        required=False,
        help_text=_("A screenshot or a log file, for example; several at once."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = ",".join(sorted(accepted_file_types()))

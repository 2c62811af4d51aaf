"""Forms of the incident page's journal: a work note or customer update, and the workaround.

They parse the input; the rules (who, which files, what an incident accepts) are in ``incidents.journal``,
whose ``ValidationError`` the views put back on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files import File
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from incidents.choices import ActivityKind
from incidents.core.checks import MAX_MINUTES
from incidents.journal.attachments import accepted_file_types
from incidents.journal.notes import MAX_TEXT

# A part's headers must fit in 1,024 bytes for Django to read a request at all: a longer file name would lose
# the whole form. The browser refuses it first (data-max-name, static/js/servicedesk.js), keeping what was typed.
MAX_FILE_NAME = 200


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {
                "data-max-name": str(MAX_FILE_NAME),
                # servicedesk.js fills in {name} and {limit}: the browser shows it in the user's language.
                "data-name-too-long": _(
                    "The name of “{name}…” is too long: rename the file to at most {limit} characters."
                ),
                **(attrs or {}),
            }
        )


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); cleans to a list, empty when none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[File]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MinutesField(forms.IntegerField):
    """Time spent in minutes; empty is none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Time spent (minutes)"),
            min_value=0,
            max_value=MAX_MINUTES,
            required=False,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            **kwargs,
        )

    def clean(self, value: Any) -> int:
        return super().clean(value) or 0


def canned_picker(field: forms.Field, number: str) -> None:
    """Offer the canned replies in a text box: '/' at the start of a line or the button the page's script adds
    opens a picker of the replies for incident ``number`` (static/js/servicedesk.js, canned replies)."""
    field.widget.attrs.update(
        {
            "data-canned": reverse("incidents:canned_options", args=[number]),
            "data-canned-label": _("Insert a reply (/)"),
            "data-canned-search": _("Search the canned replies"),
        }
    )


ENTRY_KINDS = [
    (ActivityKind.NOTE.value, _("Work note (internal)")),
    (ActivityKind.CUSTOMER_UPDATE.value, _("Customer update (mailed to the people kept informed)")),
]


class JournalEntryForm(forms.Form):
    """A work note or a customer update. ``subordinates``: the incident has open subordinates, so the update
    may go to their callers too; ``customer=False``: work notes only (the serious-incident gate is closed);
    ``number``: the incident's, for the canned-reply picker of the text box."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ENTRY_KINDS, initial=ActivityKind.NOTE, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    minutes_spent = MinutesField()
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Work notes only; several at once. Seen by staff only, never mailed."),
    )
    to_subordinates = forms.BooleanField(
        label=_("Also send it to the callers of the open subordinate incidents (each gets its own entry)"),
        required=False,
    )

    def __init__(
        self, *args: Any, subordinates: bool = False, customer: bool = True, number: str = "", **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "journal")
        super().__init__(*args, **kwargs)
        if number:
            canned_picker(self.fields["text"], number)
        self.fields["files"].widget.attrs["accept"] = ",".join(sorted(accepted_file_types()))
        if not customer:
            self.fields["kind"].choices = ENTRY_KINDS[:1]
        if not subordinates or not customer:
            del self.fields["to_subordinates"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == ActivityKind.CUSTOMER_UPDATE and cleaned.get("files"):
            self.add_error("files", _("Files stay with the staff: attach them to a work note."))
        if cleaned.get("kind") == ActivityKind.NOTE and cleaned.get("to_subordinates"):
            self.add_error("to_subordinates", _("A work note stays on this incident; only customer updates go on."))
        return cleaned

    def entry_fields(self) -> dict[str, Any]:
        """What ``incidents.journal.notes.incident_write_entry`` takes from the form (the page and the API)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "minutes_spent": data["minutes_spent"],
            "to_subordinates": data.get("to_subordinates", False),
            "files": data["files"],
        }


class WorkaroundForm(forms.Form):
    """The workaround the caller can use until the fault is fixed, with the version the page was opened at."""

    workaround = forms.CharField(label=_("Workaround"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))
    minutes_spent = MinutesField()
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "workaround")
        super().__init__(*args, **kwargs)

    def workaround_fields(self) -> dict[str, Any]:
        """What ``incidents.journal.notes.incident_provide_workaround`` takes from the form (the page and the API)."""
        data = self.cleaned_data
        return {
            "workaround": data["workaround"],
            "minutes_spent": data["minutes_spent"],
            "expected_version": data["expected_version"],
        }

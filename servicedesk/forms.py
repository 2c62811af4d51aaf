"""Form pieces shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _


class EditConflictGuard(forms.ModelForm):
    """Refuses to save when the record changed after the form was opened (optimistic locking).

    The hidden ``loaded_at`` only says which version the user saw (the record's ``updated_at``); the
    comparison is made against the row as it is in the database, locked for the rest of the transaction.
    """

    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        loaded_at = parse_datetime(cleaned.get("loaded_at") or "")
        current = (
            type(self.instance)
            .objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if loaded_at is None or current is None or current != loaded_at:
            raise ValidationError(
                _(
                    "Someone else saved this record after you opened it. Nothing was saved: reload the page "
                    "to see their version, then make your change again."
                ),
                code="conflict",
            )
        return cleaned


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's refusal shown on the form that asked for it: next to each field it names, above the form
    otherwise (a domain error without a field, or a field the form does not have)."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


class SearchableSelect(forms.Select):
    """A select the page's script turns into a search box over its options (static/js/servicedesk.js, the
    pickers): typing any part of an option's text narrows the list, ↑ ↓ and Enter choose. Without the script it
    stays a plain select. ``empty_text`` is said when nothing matches what was typed."""

    def __init__(self, *args: Any, empty_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs = {
            "data-picker-select": "",
            "data-picker-empty": empty_text or _("Nothing matches."),
            "data-picker-placeholder": _("Type any part, or ↓ for all"),
            **self.attrs,
        }

"""Form pieces shared by every app."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import IsoDateTimeFilter
from django_filters import fields as filter_fields
from django_filters.fields import IsoDateTimeField

from servicedesk.compiled import CompiledQuery
from servicedesk.dateformats import date_format
from servicedesk.locales import DESK_TIME_ZONE, language_choices, time_zone_choices
from servicedesk.models import Density, JournalOrder, Theme
from servicedesk.params import int_param


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


# --- A moment typed as a desk says it ---------------------------------------------------------------

# Month names in the portal's languages, whatever the server's locale or the user's language, so that a date copied
# from any page reads back: "nov", "nov." or "november"; "mrt", "mei", "okt" as the Dutch pages write them.
_MONTH_NAMES = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
    *("januari", "februari", "maart", "april", "mei", "juni"),
    *("juli", "augustus", "september", "oktober", "november", "december"),
]
_MONTHS = {
    "mrt": 3,
    **{spelling: number % 12 or 12 for number, name in enumerate(_MONTH_NAMES, 1) for spelling in (name, name[:3])},
}
_NOW = ("now", "nu")
_YESTERDAY = ("yesterday", "gisteren")
_CLOCK = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
_DAY = re.compile(rf"(?:(?P<day>today|yesterday|vandaag|gisteren)\s+)?{_CLOCK}")
_DATE = re.compile(rf"(?P<day>\d{{1,2}})\s+(?P<month>[a-z]{{3,9}})\.?(?:\s+(?P<year>\d{{4}}))?,?\s+{_CLOCK}")
_AGO = re.compile(r"-\s*(?P<parts>(?:\d+\s*[a-z]+\s*)+)")
_AGO_PART = re.compile(r"(\d+)\s*([a-z]+)")
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuut", "minuten"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "u", "uur"), "hours"),
    **dict.fromkeys(("d", "day", "days", "dag", "dagen"), "days"),
}


def _on(day: datetime.date, hour: str, minute: str) -> datetime.datetime | None:
    try:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(int(hour), int(minute))))
    except ValueError:
        return None


def _ago(parts: str, now: datetime.datetime) -> datetime.datetime | None:
    span = datetime.timedelta()
    for amount, unit in _AGO_PART.findall(parts):
        if unit not in _UNITS:
            return None
        span += datetime.timedelta(**{_UNITS[unit]: int(amount)})
    return now - span


def parse_moment(text: str, *, now: datetime.datetime) -> datetime.datetime | None:
    """The moment ``text`` means, to the minute, in the current time zone; ``None`` when it means none.

    "now"; "-20m", "-2h", "-1h30m", "-1d" (ago); "14:05" (today), "yesterday 23:50"; "27 Nov 2026 14:05",
    "27 Nov 2026, 14:05" (as the portal writes it) or "27 November 14:05" (this year); "2026-11-27 14:05" (ISO).
    Day before month, never in figures only: "11/12" is read differently on each side of the Atlantic. The Dutch
    words are read too, in either language: "nu", "vandaag 14:05", "gisteren 23:50", "-2u", "27 okt 2026, 14:05".
    """
    text = " ".join(text.lower().split())
    now = timezone.localtime(now).replace(second=0, microsecond=0)
    if text in _NOW:
        return now
    if match := _AGO.fullmatch(text):
        return _ago(match["parts"], now)
    if match := _DAY.fullmatch(text):
        day = now.date() - datetime.timedelta(days=1 if match["day"] in _YESTERDAY else 0)
        return _on(day, match["hour"], match["minute"])
    if match := _DATE.fullmatch(text):
        month = _MONTHS.get(match["month"])
        try:
            day = datetime.date(int(match["year"] or now.year), month or 0, int(match["day"]))
        except ValueError:
            return None
        return _on(day, match["hour"], match["minute"])
    try:
        moment = parse_datetime(text.upper().replace(" ", "T", 1))
    except ValueError:  # well formed, but no such day or time
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class MomentInput(forms.TextInput):
    """One text box (one Tab stop, unlike the browser's date-time widget), showing a moment the portal's way."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        return super().format_value(value)


class MomentField(forms.Field):
    """A moment typed as a desk says it (``parse_moment``), read in the desk's time zone."""

    widget = MomentInput
    default_error_messages = {
        "invalid": _("Write when, for example “14:05” (today), “now”, “-20m” (20 minutes ago) or “27 Nov 2026 14:05”."),
    }

    def to_python(self, value: Any) -> datetime.datetime | None:
        if isinstance(value, datetime.datetime) or value in self.empty_values:
            return value or None
        moment = parse_moment(str(value), now=timezone.now())
        if moment is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        storable_moment(moment)
        return moment


# PostgreSQL keeps a time zone offset up to 15:59 and gives back no moment past the year 9999 in UTC.
LARGEST_OFFSET = datetime.timedelta(hours=15, minutes=59)


def storable_moment(value: datetime.datetime) -> None:
    """A validator: a moment the database could not store, or could store but not give back or compare, is
    refused at its field (an API's ISO text may say anything Python can)."""
    try:
        value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationError(_("Give a moment between the years 1 and 9999."), code="out_of_range") from None
    offset = value.utcoffset()
    if offset is not None and abs(offset) > LARGEST_OFFSET:
        raise ValidationError(_("Give a time zone offset between -15:59 and +15:59."), code="out_of_range")


class StorableIsoDateTimeField(IsoDateTimeField):
    """django-filter's ISO 8601 moment, refused (not a database error) when PostgreSQL could not compare it."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is not None:
            storable_moment(moment)
        return moment


class StorableIsoDateTimeFilter(IsoDateTimeFilter):
    field_class = StorableIsoDateTimeField


class SignInForm(AuthenticationForm):
    """Django's sign-in form; when a backend refused a right password (no role, the directory cannot be reached), it
    left its reason on the request (``request.sign_in_refusal``), which replaces "wrong password"."""

    def get_invalid_login_error(self) -> ValidationError:
        refusal = getattr(self.request, "sign_in_refusal", "")
        return ValidationError(refusal, code="refused") if refusal else super().get_invalid_login_error()


class ApiTokenForm(forms.Form):
    """A new personal API token (``servicedesk.api.tokens.token_create`` decides what is allowed): what it is for,
    how many days it works, and whether it may write."""

    DEFAULT_DAYS = 90

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What it is for, so that you know it again: “Monitoring”, “Chat bot”."),
    )
    days = forms.IntegerField(label=_("Lifetime in days"))
    writes = forms.BooleanField(
        label=_("May write"),
        required=False,
        help_text=_("Record incidents and take their steps, as far as your role allows. Off: it only reads."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = settings.API_TOKEN_MAX_DAYS
        days = self.fields["days"]
        days.initial = min(self.DEFAULT_DAYS, most)
        days.widget.attrs.update(min=1, max=most)
        days.help_text = _("From 1 to %(most)s. It stops working after that; make a new one then.") % {"most": most}


class SearchPicker(forms.Widget):
    """A record chosen by searching, for a table too big to list in a select (a thousand services): a search box
    whose htmx results fill a hidden id (static/js/servicedesk.js, the pickers), sent as ``?<name>=<id>``. What is
    typed without choosing goes as ``?<name>_text=`` (the only way without the script), for the field to look for.
    ``search_url`` answers ``?q=`` with options as the call-logging form's caller and CI searches do."""

    template_name = "includes/widgets/search_picker.html"
    text_suffix = "_text"

    def __init__(self, search_url: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.search_url = search_url
        # The record the field found while cleaning: its name is shown without asking the database again.
        self.chosen: Any = None
        # Whether the field has cleaned the value. Until then (a form shown again without being validated) the id
        # sent is shown back as it came; after, only the id of a record found.
        self.checked = False

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[Any, str]:
        # A JSON body's 0 or false stays what it is (refused as no id), rather than passing for "nothing chosen".
        picked = data.get(name)
        return "" if picked is None else picked, data.get(name + self.text_suffix) or ""

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + self.text_suffix not in data

    def id_for_label(self, id_: str) -> str:
        return f"{id_}{self.text_suffix}" if id_ else id_

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        # The project's templates, which the default form renderer does not search.
        return render_to_string(self.template_name, self.get_context(name, value, attrs))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        picked, typed = value if isinstance(value, (list, tuple)) else ("", "")
        # A record given as the initial value (a form opened on a record) is shown as the choice.
        chosen = self.chosen if self.chosen is not None or not hasattr(value, "_meta") else value
        if chosen is not None:
            picked, typed = chosen.pk, str(chosen)
        else:
            picked = "" if self.checked else (int_param(str(picked)) or "")
        attrs = context["widget"]["attrs"]
        context["widget"].update(
            picked=picked,
            text=typed,
            text_name=name + self.text_suffix,
            search_url=self.search_url,
            # What the form's field template says of the field (its help, its error) belongs on the box one types in.
            aria={key: attrs[key] for key in ("aria-describedby", "aria-invalid") if key in attrs},
        )
        return context


class PickedRecordField(forms.Field):
    """What a ``SearchPicker`` says: the record chosen (by id, one query), or the text typed without choosing.

    A box whose text no longer reads as the chosen record's name was typed into after the choice (without the
    script, the hidden id stays): then the text decides."""

    default_error_messages = {
        "gone": _("That choice no longer exists: search again."),
        "invalid_choice": _("Choose from the list: that is not one of its records."),
    }

    def __init__(self, *, queryset: Any, search_url: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("widget", SearchPicker(search_url))
        super().__init__(**kwargs)
        self.queryset = queryset

    def clean(self, value: Any) -> Any:
        self.widget.checked = True
        picked, typed = value if isinstance(value, (list, tuple)) else (value or "", "")
        picked, typed = str(picked).strip(), str(typed).strip()
        chosen = picked_record(self.queryset, picked, typed, self.error_messages) if picked else None
        if chosen is not None:
            self.widget.chosen = chosen
            return chosen
        if not typed and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return typed or None


def picked_record(records: Any, picked: str, typed: str, messages: dict[str, Any]) -> Any:
    """The record of ``records`` (a queryset, or a ``CompiledQuery`` of an id) whose id a ``SearchPicker`` sent, or
    ``None`` when the box's text was typed over the choice (it no longer reads as the record's name: the text
    decides). A value that is no id is refused as a select refuses one it does not offer (``invalid_choice``); an id
    of no record, with nothing typed, as ``gone``."""
    picked_id = int_param(picked)
    if picked_id is None:
        raise ValidationError(messages["invalid_choice"], code="invalid_choice")
    record = records.first(picked_id) if isinstance(records, CompiledQuery) else records.filter(pk=picked_id).first()
    if record is None and not typed:
        raise ValidationError(messages["gone"], code="gone")
    if record is not None and typed and typed.casefold() != str(record).casefold():
        return None
    return record


class PickedRecordFilter(django_filters.Filter):
    """A filter on a relation chosen with a ``SearchPicker``: the chosen record, or, typed without choosing, the
    records whose ``text_lookup`` (``name__icontains``) matches the text."""

    field_class = PickedRecordField

    def __init__(self, *, text_lookup: str = "name__icontains", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text_lookup = text_lookup

    def filter(self, qs: Any, value: Any) -> Any:
        if value in (None, ""):
            return qs
        if isinstance(value, str):
            qs = qs.filter(**{f"{self.field_name}__{self.text_lookup}": value})
            # Through a many-to-many relation, a record with two matching records would be listed twice.
            return qs.distinct() if self.distinct else qs
        return qs.filter(**{self.field_name: value})


class PickedChoiceField(forms.ModelChoiceField):
    """A record chosen with a ``SearchPicker`` where a form needs one record, not a filter's text (the call-logging
    form's service and location): the record picked (by id, one query), or the one whose name is the text typed
    without choosing (the way without the script). A box whose text no longer reads as the picked record's name was
    typed into after the choice: then the text decides, as in ``PickedRecordField``.

    To the API and its schema it stays a ModelChoiceField: a record's id. ``usable`` (a ``Q``) says which records
    may be chosen; another one is refused by name with the ``unusable`` message (a service no longer active), not
    as unknown. Subclasses say where to search (``search_url``) and in their own words what is refused."""

    search_url: Any = ""
    name_field = "name"
    # The statement that reads the picked record by id, built once a process, when a subclass has one for its
    # queryset and ``usable`` (decision record 0059); else it is built from them on each cleaning.
    picked_statement: CompiledQuery | None = None
    default_error_messages = {
        "invalid_choice": PickedRecordField.default_error_messages["invalid_choice"],
        "gone": PickedRecordField.default_error_messages["gone"],
        "unknown": _("Nothing is called “%(text)s”: search, and choose from the list."),
        "ambiguous": _("More than one record is called “%(text)s”: search, and choose one from the list."),
        "unusable": _("“%(name)s” can no longer be chosen."),
    }

    def __init__(self, queryset: Any, *, search_url: Any = None, usable: Q | None = None, **kwargs: Any) -> None:
        if kwargs.get("widget") is None:  # a ModelForm passes widget=None
            kwargs["widget"] = SearchPicker(search_url or self.search_url)
        super().__init__(queryset, **kwargs)
        self.usable = usable

    def prepare_value(self, value: Any) -> Any:
        # The picker shows a record by its name: an initial id (a ModelForm's) is looked up, in one query.
        if value in self.empty_values or isinstance(value, (list, tuple)) or hasattr(value, "_meta"):
            return value
        picked = int_param(str(value))
        return self.queryset.filter(pk=picked).first() if picked else None

    def has_changed(self, initial: Any, data: Any) -> bool:
        before = initial.pk if hasattr(initial, "_meta") else initial
        picked = data[0] if isinstance(data, (list, tuple)) else data
        return str(before or "") != str(picked or "")

    def clean(self, value: Any) -> Any:
        self.widget.checked = True
        picked, typed = value if isinstance(value, (list, tuple)) else (value, "")
        picked, typed = ("" if picked is None else str(picked).strip()), str(typed or "").strip()
        records = self.picked_statement or self._records()
        record = picked_record(records, picked, typed, self.error_messages) if picked else None
        if record is None and typed:
            record = self._named(typed)
        if record is None:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if self.usable is not None and not record.picker_usable:
            raise ValidationError(self.error_messages["unusable"], code="unusable", params={"name": str(record)})
        self.widget.chosen = record
        return record

    def _records(self) -> Any:
        return self.queryset.annotate(picker_usable=self.usable) if self.usable is not None else self.queryset

    def _named(self, text: str) -> Any:
        """The one record of this name, in this case if several differ only by case."""
        found = list(self._records().filter(**{f"{self.name_field}__iexact": text})[:10])
        exact = [record for record in found if getattr(record, self.name_field) == text]
        if len(exact) == 1 or len(found) == 1:
            return (exact or found)[0]
        code = "ambiguous" if found else "unknown"
        raise ValidationError(self.error_messages[code], code=code, params={"text": text})


class ChoicesInOneStatement(ModelChoiceIterator):
    """A select's records read in one statement. Django reads them with ``iterator()``, which on PostgreSQL declares
    a server-side cursor, fetches from it and closes it: three round trips, and a statement compiled for each, for
    the few dozen rows a select holds. The same rows, in the same order, read again on every rendering; or none, when
    the page read them already and gave them to the field (``records``: the queryset's rows, as a list)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        records = getattr(self.field, "records", None)
        for record in self.queryset.all() if records is None else records:
            yield self.choice(record)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` for a short list (a user's groups, every group): its choices in one statement, or from
    ``records`` when the page has read its queryset's rows already. The queryset still checks what is sent."""

    iterator = ChoicesInOneStatement
    records: list[Any] | None = None


class _FilterChoicesInOneStatement(filter_fields.ModelChoiceIterator, ChoicesInOneStatement):
    """django-filter's iterator (its "null" choice after the empty one) over the records read in one statement."""


class _ShortFilterField(filter_fields.ModelChoiceField):
    iterator = _FilterChoicesInOneStatement
    records: list[Any] | None = None


class ShortModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ``ModelChoiceFilter`` for a short list: its choices in one statement (``ChoicesInOneStatement``)."""

    field_class = _ShortFilterField


class PreferencesForm(forms.Form):
    """The preferences page: a theme, a list density and the journal's order, each a group of radios; a language
    and a time zone, blank for the desk's."""

    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices, widget=forms.RadioSelect)
    density = forms.ChoiceField(label=_("Lists"), choices=Density.choices, widget=forms.RadioSelect)
    journal_order = forms.ChoiceField(
        label=_("An incident's journal"), choices=JournalOrder.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        widget=SearchableSelect(empty_text=_("No time zone has that name.")),
        help_text=_("Dates and times are shown in it: type a city, such as Amsterdam."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read when the form is made: the choices name the desk's language and zone, in the user's language.
        self.fields["language"].choices = language_choices()
        self.fields["time_zone"].choices = time_zone_choices()
        self.initial["time_zone"] = self.initial.get("time_zone") or DESK_TIME_ZONE

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"]
        return "" if zone == DESK_TIME_ZONE else zone

"""Forms of the knowledge pages: ModelForms with the models' validation, plus the matcher's box."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cmdb.forms import CINamesField
from cmdb.models import ConfigurationItem, Service, SupportGroup
from cmdb.selectors import ci_by_name
from knowledge.models import Article, Category, KnownError, Problem
from knowledge.search import MAX_CHARS
from knowledge.selectors import categories_by_path, categories_in_use
from knowledge.tasks import known_error_words_saved
from servicedesk.forms import EditConflictGuard, SearchableSelect


class CategoryChoiceField(forms.ModelChoiceField):
    """One category, by its full path; a search box over the paths where the page's script runs."""

    widget = SearchableSelect(empty_text=_("No category matches."))

    def label_from_instance(self, obj: Category) -> str:
        return obj.path_label


class CategoryMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.path_label


def _categories_for(instance: Any, field: str, *, many: bool) -> Any:
    """Active categories, plus any retired one the record already has (so editing does not drop it)."""
    queryset = categories_in_use()
    if instance.pk:
        current = getattr(instance, field)
        ids = list(current.values_list("pk", flat=True)) if many else ([current.pk] if current else [])
        if ids:
            queryset = categories_by_path(Category.objects.filter(Q(pk__in=ids) | Q(active=True)))
    return queryset


class ProblemForm(EditConflictGuard):
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    services = forms.ModelMultipleChoiceField(
        label=_("Affected services"), queryset=Service.objects.order_by("name"), required=False
    )
    cis = CINamesField(label=_("Affected CIs"), required=False, help_text=_("One CI name per line."))
    owner_group = forms.ModelChoiceField(
        label=_("Owner group"), queryset=SupportGroup.objects.filter(active=True), required=False
    )

    class Meta:
        model = Problem
        fields = ["title", "description", "state", "root_cause", "category", "services", "cis", "owner_group"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "root_cause": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories_for(self.instance, "category", many=False)


class KnownErrorForm(EditConflictGuard):
    categories = CategoryMultipleChoiceField(label=_("Categories"), queryset=Category.objects.none(), required=False)
    services = forms.ModelMultipleChoiceField(
        label=_("Services"), queryset=Service.objects.order_by("name"), required=False
    )
    cis = CINamesField(label=_("Configuration items"), required=False, help_text=_("One CI name per line."))

    class Meta:
        model = KnownError
        fields = ["title", "symptoms", "cause", "workaround", "fix_status", "categories", "services", "cis", "problem"]
        widgets = {
            "symptoms": forms.Textarea(attrs={"rows": 4}),
            "cause": forms.Textarea(attrs={"rows": 3}),
            "workaround": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = _categories_for(self.instance, "categories", many=True)
        self.fields["problem"].queryset = Problem.objects.order_by("-created_at")

    def save(self, commit: bool = True) -> KnownError:
        """Save (the pages and the API both save through here) and, when the words changed, queue the known error's
        new vector for after the commit (``knowledge.tasks``)."""
        known_error = super().save(commit=commit)
        if commit and (not self.initial or {"title", "symptoms"} & set(self.changed_data)):
            known_error_words_saved(known_error_id=known_error.pk)
        return known_error


class ArticleForm(EditConflictGuard):
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    services = forms.ModelMultipleChoiceField(
        label=_("Services"), queryset=Service.objects.order_by("name"), required=False
    )

    class Meta:
        model = Article
        fields = ["title", "kind", "status", "category", "services", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "spellcheck": "true"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories_for(self.instance, "category", many=False)


class MatcherForm(forms.Form):
    """The "test the matcher" box: symptoms as a caller says them, and optionally what they concern."""

    text = forms.CharField(
        label=_("Symptoms"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("my printer says paper jam but there is no paper stuck")}
        ),
    )
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.order_by("name"), required=False)
    ci = forms.CharField(label=_("Configuration item"), max_length=200, required=False, help_text=_("Its exact name."))
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_in_use()

    def clean_ci(self) -> ConfigurationItem | None:
        name = self.cleaned_data.get("ci", "").strip()
        if not name:
            return None
        ci = ci_by_name(name)
        if ci is None:
            raise forms.ValidationError(_("No configuration item is called %(name)s."), params={"name": name})
        return ci


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the knowledge base"), required=False)

    def clean_q(self) -> str:
        # A caller's whole mail pasted in is searched by its beginning, not refused.
        return self.cleaned_data["q"][:MAX_CHARS]

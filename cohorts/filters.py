import django_filters
from django import forms

from cohorts.models import Cohort


class BootstrapFilterSet(django_filters.FilterSet):
    """A FilterSet whose form widgets carry Bootstrap's classes."""

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault(
                "class", f"{css} form-control-sm" if css == "form-control" else f"{css} form-select-sm"
            )
        return form


class CohortFilter(BootstrapFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")
    status = django_filters.ChoiceFilter(choices=Cohort.Status.choices, empty_label="Any status")
    starts_after = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        label="Starts on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_before = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        label="Starts on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Cohort
        fields = ["name", "status", "starts_after", "starts_before"]

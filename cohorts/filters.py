import django_filters
from django import forms

from cohorts.models import Cohort
from core.filters import BootstrapFilterSet


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

"""Form plumbing every app shares."""

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoices(ModelChoiceIterator):
    """A model choice field's options read with one plain SELECT. Django's iterator reads them
    through queryset.iterator(), which on PostgreSQL opens a server-side cursor: three round
    trips (DECLARE, FETCH, CLOSE) per select rendered, for lists of a few rows (tasks, levels,
    forms, cohorts, people). The rows are read once per form and kept for a second rendering."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoices


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoices


class MarksInvalidFields:
    """A form mixin: after validation each field in error is marked for the eye (Bootstrap's
    is-invalid) and for assistive technology (aria-invalid, described by its message, which the
    template renders with the id `<field id>-error` beside the field). An error a service finds
    after validation (`add_error` then) is marked the same way."""

    def full_clean(self):
        super().full_clean()
        self._mark_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        if hasattr(self, "cleaned_data"):  # after validation: mark it now
            self._mark_invalid()

    def _mark_invalid(self):
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}-error"

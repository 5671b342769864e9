from crispy_forms.helper import FormHelper
from django import forms

from certifications.models import RedFlag, Task, TaskStatus, TaskTerms
from certifications.selectors import active_tasks
from core.forms import ModelChoiceField
from core.validators import sane_date


class CrispyForm(forms.Form):
    """A form drawn beside others on the agent page: its own id prefix keeps every id unique.
    Drawn without a CSRF token (crispy adds one to a POST form even without its form tag): the
    page caches its forms, and the token is added in the browser (static/js/esp.js)."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TaskStatus.Status.choices)
    blocked_reason = forms.CharField(required=False, max_length=200, label="What blocks it")
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("status") == TaskStatus.Status.BLOCKED and not (data.get("blocked_reason") or "").strip():
            self.add_error("blocked_reason", "Say what blocks the task.")
        return data


class ExamAttemptForm(CrispyForm):
    id_prefix = "attempt"
    task = forms.TypedChoiceField(label="Exam", coerce=int)  # the cohort's exams (__init__)
    taken_on = forms.DateField(
        label="Date taken", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    score = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text="Percent, if the exam gives one.",
    )
    passed = forms.TypedChoiceField(
        choices=[("", "Choose…"), ("1", "Passed"), ("0", "Failed")],
        coerce=lambda v: v == "1",
        label="Result",
    )

    def __init__(self, *args, cohort=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        # The active exams as the cohort is held to them, from the cohort's task list (cached:
        # active_tasks), so a recorded attempt reads no task; without a cohort, one plain SELECT.
        self.exams = {t.pk: t for t in active_tasks(cohort) if t.is_exam}
        self.fields["task"].choices = [("", "---------"), *((pk, t.name) for pk, t in self.exams.items())]

    def clean_task(self) -> Task:
        return self.exams[self.cleaned_data["task"]]

    def clean_taken_on(self):
        taken_on = self.cleaned_data["taken_on"]
        if self.cohort and taken_on > self.cohort.local_today():
            raise forms.ValidationError("An exam cannot be taken in the future.")
        return taken_on


class ProofUploadForm(CrispyForm):
    id_prefix = "proof"
    task = ModelChoiceField(
        queryset=Task.objects.filter(requires_proof=True, active=True), label="Certification"
    )
    file = forms.FileField(
        label="Screenshot or PDF",
        help_text="PNG, JPEG or PDF.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,application/pdf"}),
    )


class ProofReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", "Verify"), ("reject", "Reject")])
    reason = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the proof is rejected.")
        return data


class NoteForm(forms.Form):
    """A note's text (empty clears it) and the version the editor loaded; both must be sent: a
    post without them is refused, never saved as an empty note over someone's text."""

    text = forms.CharField(
        required=False, strip=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.text_sent = self.add_prefix("text") in data

    def clean(self):
        if not self.text_sent:
            raise forms.ValidationError("The note's text was not sent; nothing was saved. Reload the page.")
        return super().clean()


class RedFlagForm(CrispyForm):
    id_prefix = "flag"
    category = forms.ChoiceField(choices=RedFlag.Category.choices)
    details = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    confidential = forms.BooleanField(
        required=False, help_text="Only you, the PM, ESP managers and admins will see it (not other TLs)."
    )


class ResolveRedFlagForm(forms.Form):
    resolution = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ClearDuplicateForm(forms.Form):
    reason = forms.CharField(
        max_length=200, label="Why the same file for another agent is fine", help_text="Kept with the proof."
    )


class TaskTermsForm(forms.Form):
    """The next version of the task terms: each task's due ESP day and each exam's attempt limit,
    drafted from the newest version, and the day cohorts start being held to it."""

    effective_from = forms.DateField(
        label="For cohorts starting from",
        validators=[sane_date],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Cohorts that start on or after this day are held to the new terms; cohorts already "
        "running keep the terms they started under unless you move them.",
    )
    note = forms.CharField(
        label="Why",
        required=False,
        max_length=300,
        help_text="For the record, for example the guide's new edition.",
    )

    def __init__(self, *args, tasks: list[Task], today, **kwargs):
        super().__init__(*args, **kwargs)
        self.tasks, self.today = tasks, today
        for task in tasks:
            self.fields[f"due_{task.pk}"] = forms.IntegerField(
                label=f"{task.name}: due ESP day",
                min_value=1,
                max_value=10,
                initial=task.due_day,
                help_text="The ESP day by whose end it must be done (Agent Timeframe Expectations).",
            )
            if task.is_exam:
                self.fields[f"limit_{task.pk}"] = forms.IntegerField(
                    label=f"{task.name}: failed attempts allowed",
                    min_value=1,
                    max_value=20,
                    initial=task.attempt_limit,
                    help_text="No attempt is recorded after this many failures (Failed Cert Exams Guide).",
                )

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if day <= self.today:
            raise forms.ValidationError(
                "Choose a day after today: cohorts that have started keep the terms they started under."
            )
        return day

    def rows(self) -> list[tuple[Task, forms.BoundField, forms.BoundField | None]]:
        """Each task with its due-day field and, for an exam, its attempt-limit field."""
        return [(t, self[f"due_{t.pk}"], self[f"limit_{t.pk}"] if t.is_exam else None) for t in self.tasks]

    def terms(self) -> dict[int, tuple[int, int | None]]:
        data = self.cleaned_data
        return {
            t.pk: (data[f"due_{t.pk}"], data.get(f"limit_{t.pk}") if t.is_exam else None) for t in self.tasks
        }


class MoveTermsForm(forms.Form):
    """Hold a running cohort to another version of the task terms, with the reason."""

    terms = ModelChoiceField(
        queryset=TaskTerms.objects.order_by("-number"), label="Hold the cohort to", empty_label=None
    )
    reason = forms.CharField(max_length=300, help_text="Kept with the change and in the cohort's history.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["terms"].label_from_instance = lambda v: f"Version {v.number}, {v.since}"
        self.helper = FormHelper()
        self.helper.form_tag = False

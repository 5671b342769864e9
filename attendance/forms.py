import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings

from attendance.meet import day_from_name
from attendance.models import AttendancePolicy, CorrectiveAction, CorrectiveLevel, EscalationRule, Occurrence
from attendance.services import DayNotAllowed, check_day
from cohorts.models import Cohort
from core.forms import MarksInvalidFields, ModelChoiceField
from core.uploads import check_table_upload
from core.validators import sane_date

TIME_ERRORS = {"invalid": "Enter a time such as 09:05."}
TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"}, format="%H:%M")
CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input"})


class RollCallRowForm(MarksInvalidFields, forms.Form):
    """One agent's row of the roll call; times are in the cohort's zone."""

    arrival = forms.TimeField(required=False, error_messages=TIME_ERRORS, widget=TIME_WIDGET)
    departure = forms.TimeField(required=False, error_messages=TIME_ERRORS, widget=TIME_WIDGET)
    absent = forms.BooleanField(required=False, label="Absent all day", widget=CHECKBOX)
    excused = forms.BooleanField(required=False, widget=CHECKBOX)
    excused_reason = forms.CharField(
        required=False,
        max_length=200,
        label="Reason",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": "why excused"}),
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("absent"):
            data["arrival"] = data["departure"] = None
        else:
            arrival, departure = data.get("arrival"), data.get("departure")
            if departure and not arrival and "arrival" not in self.errors:
                self.add_error("arrival", "Enter the arrival time too, or tick Absent.")
            if arrival and departure and departure <= arrival:
                self.add_error("departure", "Departure must be after arrival.")
        if data.get("excused") and not (data.get("excused_reason") or "").strip():
            self.add_error("excused_reason", "Say why the occurrence is excused.")
        return data


class DateRangeMixin:
    """A form's `start` and `end` days: in order, and no longer than `longest_days` if set."""

    longest_days: int | None = None

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day must not be before the first day.")
        elif start and end and self.longest_days and (end - start).days > self.longest_days:
            self.add_error("end", "At most a year at a time.")
        return data


class TimekeepingUploadForm(DateRangeMixin, forms.Form):
    file = forms.FileField(
        label="Login report",
        help_text="CSV or Excel (.xlsx) with the columns employee ID, date, first login, last logout, "
        "times in the cohort's time zone.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    start = forms.DateField(
        label="First day", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Last day", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        return check_table_upload(self.cleaned_data["file"], what="a login report")


class MeetUploadForm(MarksInvalidFields, forms.Form):
    """A Google Meet attendance report for one of the cohort's ESP days."""

    file = forms.FileField(
        label="Google Meet attendance report",
        help_text="The CSV Meet makes after the call (summary or one row per session), or the same "
        "as Excel (.xlsx). Its name carries the meeting's date: “2026-11-25 09:00 … - Attendance "
        "Report.csv”.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    day = forms.DateField(
        label="Meeting's date",
        required=False,
        validators=[sane_date],
        help_text="Only when the file's name does not carry it.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        return check_table_upload(self.cleaned_data["file"], what="a Meet attendance report")

    def clean(self):
        data = super().clean()
        upload, day = data.get("file"), data.get("day")
        if upload is None or "day" in self.errors:
            return data
        named = day_from_name(upload.name)
        if named is None and day is None:
            self.add_error("day", "The file's name carries no date: give the meeting's date.")
            return data
        data["meeting_day"] = named or day
        try:
            check_day(self.cohort, data["meeting_day"])
        except DayNotAllowed as exc:
            self.add_error("file" if named else "day", str(exc))
        return data


class ReclassifyForm(DateRangeMixin, forms.Form):
    longest_days = 366
    start = forms.DateField(
        label="First day", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Last day", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    cohort = ModelChoiceField(queryset=Cohort.objects.all(), required=False, empty_label="All cohorts")
    reason = forms.CharField(max_length=200, help_text="Kept in the log and in each record's history.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CorrectiveActionForm(forms.Form):
    level = ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"}))
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    expectations = forms.CharField(
        label="Expectations going forward", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    consequences = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    follow_up_date = forms.DateField(
        required=False, validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    witness = forms.CharField(required=False, max_length=120)
    override_reason = forms.CharField(
        required=False,
        max_length=300,
        label="Override reason",
        help_text="Only when this level skips a step of the ladder (PM or admin).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = CorrectiveLevel.objects.all()
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        follow_up, date = data.get("follow_up_date"), data.get("date")
        if follow_up and date and follow_up < date:
            self.add_error("follow_up_date", "The follow-up comes after the action's date.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(
        validators=[sane_date],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    comments = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
TEXT_AREA = forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-sm"})


class RefusalForm(MarksInvalidFields, forms.Form):
    """The agent would not sign: when, and the witness who saw it."""

    refused_on = forms.DateField(label="Refused on", validators=[sane_date], widget=DATE_WIDGET)
    witness = forms.CharField(
        label="Witness",
        required=False,  # the service says why it is needed, beside this field
        max_length=120,
        help_text="Who saw the agent refuse: required.",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    note = forms.CharField(label="What the agent said", required=False, max_length=2000, widget=TEXT_AREA)


class WrittenForm(MarksInvalidFields, forms.Form):
    """The agent's written response, or appeal: the text and the day it was given."""

    on = forms.DateField(label="Given on", validators=[sane_date], widget=DATE_WIDGET)
    text = forms.CharField(label="In the agent's words", required=False, max_length=8000, widget=TEXT_AREA)


class AppealDecisionForm(MarksInvalidFields, forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose"), *CorrectiveAction.Outcome.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(label="Why, as decided", required=False, max_length=2000, widget=TEXT_AREA)


class IssueHandledForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class AgentIssueForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "issue_%s")
        super().__init__(*args, **kwargs)

    details = forms.CharField(
        label="Issue",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The PM is emailed at once.",
    )


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Why it is declined",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the step is declined.")
        return data


class WfmFilterForm(MarksInvalidFields, forms.Form):
    """The WFM page's filter: any range of days, any cohort the viewer may see (active or not).
    An empty range is the last WFM_DEFAULT_DAYS days; `day` (the digest's links) is a one-day range."""

    start = forms.DateField(
        label="From", required=False, validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    cohort = ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, empty_label="All cohorts", label="Cohort"
    )

    def __init__(self, data, *, cohorts, today: datetime.date, **kwargs):
        data = data.copy()
        day = data.pop("day", [""])[-1]
        if day and not data.get("start") and not data.get("end"):
            data["start"] = data["end"] = day
        if not data.get("start") and not data.get("end"):  # shown in the fields, as it is applied
            data["end"] = today.isoformat()
            data["start"] = (today - datetime.timedelta(days=settings.WFM_DEFAULT_DAYS - 1)).isoformat()
        super().__init__(data, **kwargs)
        self.today = today
        self.fields["cohort"].queryset = cohorts
        self.fields["cohort"].label_from_instance = lambda c: f"{c.name} ({c.get_status_display().lower()})"
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field, forms.ModelChoiceField)
                else "form-control form-control-sm"
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        end = data.get("end") or self.today
        start = data.get("start") or end - datetime.timedelta(days=settings.WFM_DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("end", "The range ends before it starts.")
        elif (end - start).days >= settings.WFM_MAX_DAYS:
            self.add_error("end", f"Choose at most {settings.WFM_MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data


class PolicyDraftForm(DateRangeMixin, MarksInvalidFields, forms.ModelForm):
    """A new version of the attendance policy, drafted from the one in force, and the past range
    to preview it over (by default the last four weeks)."""

    longest_days = 366
    start = forms.DateField(
        label="Preview from", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Preview to", validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AttendancePolicy
        fields = ["effective_from", "tardy_minutes", "partial_day_minutes", "time_away_counts", "note"]
        labels = {"effective_from": "In force from"}
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class RuleDraftForm(MarksInvalidFields, forms.ModelForm):
    """The next version of an escalation rule, drafted from the one in force (its kind stays)."""

    kinds = forms.MultipleChoiceField(
        label="Occurrences counted",
        choices=Occurrence.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a count of occurrences: which kinds count (one event counts once, at its tier).",
    )

    class Meta:
        model = EscalationRule
        fields = ["threshold", "window", "window_days", "free_incidents", "level", "note"]
        labels = {"window_days": "Rolling window (days)", "level": "Recommends up to"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("kinds", self.instance.kinds)
        if self.instance.kind != EscalationRule.Kind.OCCURRENCES:
            for name in ("kinds", "window", "window_days", "free_incidents"):
                self.fields.pop(name)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if "kinds" in self.fields:
            if not data.get("kinds"):
                self.add_error("kinds", "Choose at least one kind of occurrence to count.")
            self.instance.occurrence_kinds = ",".join(data.get("kinds") or [])
            if data.get("window") == EscalationRule.Window.ROLLING and not data.get("window_days"):
                self.add_error("window_days", "Say how many days the rolling window holds.")
        return data


LevelFormSet = forms.modelformset_factory(
    CorrectiveLevel,
    fields=["name", "needs_approval", "response_hours", "appeal_working_days", "in_force_months"],
    widgets={
        "name": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        "needs_approval": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        "response_hours": forms.NumberInput(attrs={"class": "form-control form-control-sm input-6em"}),
        "appeal_working_days": forms.NumberInput(attrs={"class": "form-control form-control-sm input-6em"}),
        "in_force_months": forms.NumberInput(attrs={"class": "form-control form-control-sm input-6em"}),
    },
    extra=0,
    can_delete=False,
)

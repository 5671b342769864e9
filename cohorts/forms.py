import zoneinfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core import validators
from django.db import models

from cohorts.access import Role, is_admin, roles_of
from cohorts.models import Agent, Cohort, Schedule
from cohorts.selectors import users_in_role
from core.forms import MarksInvalidFields, ModelChoiceField, ModelMultipleChoiceField
from core.uploads import check_table_upload

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class UserChoiceField(ModelChoiceField):
    """People by full name, never by user name."""

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


def https_formfield(model_field, **kwargs):
    """Form fields for a model, reading a link typed without a scheme as https."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class CohortForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="America/New_York")
    tl = UserChoiceField(queryset=users_in_role(Role.TL), label="Team lead")
    pm = UserChoiceField(queryset=users_in_role(Role.PM), label="Program manager")

    class Meta:
        model = Cohort
        formfield_callback = https_formfield
        fields = [
            "name",
            "start_date",
            "day_count",
            "time_zone",
            "shift_start",
            "shift_end",
            "end_of_day",
            "tl",
            "pm",
            "meeting_main_url",
            "meeting_assist_url",
            "meeting_call_cert_url",
            "meeting_shadow_url",
            "status",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "shift_start": forms.TimeInput(attrs={"type": "time"}),
            "shift_end": forms.TimeInput(attrs={"type": "time"}),
            "end_of_day": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk is None:
            self.fields["end_of_day"].initial = Schedule.current().default_end_of_day  # the admins' default
        if not is_admin(user):
            # A PM creates and edits the cohorts they manage; only an admin reassigns the PM.
            self.fields["pm"].queryset = self.fields["pm"].queryset.filter(pk=user.pk)
            self.fields["pm"].initial = user.pk
            self.fields["pm"].disabled = True
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Cohort",
                "name",
                Row(Column("start_date"), Column("day_count"), Column("status")),
                Row(Column("time_zone"), Column("shift_start"), Column("shift_end"), Column("end_of_day")),
                Row(Column("tl"), Column("pm")),
            ),
            Fieldset(
                "Meeting links",
                "meeting_main_url",
                "meeting_assist_url",
                "meeting_call_cert_url",
                "meeting_shadow_url",
            ),
            Submit("save", "Save cohort"),
        )

    def clean_pm(self):
        pm = self.cleaned_data["pm"]
        if not is_admin(self.user) and pm != self.user:
            raise forms.ValidationError("You can only create cohorts that you manage.")
        return pm

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start and start.weekday() >= 5:
            raise forms.ValidationError("ESP starts on a business day: pick a Monday to Friday.")
        return start


class AgentForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = [
            "first_name",
            "last_name",
            "employee_id",
            "email",
            "phone",
            "equipment_source",
            "shift_start",
            "shift_end",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "shift_start": forms.TimeInput(attrs={"type": "time"}),
            "shift_end": forms.TimeInput(attrs={"type": "time"}),
        }
        labels = {"shift_start": "Own shift start", "shift_end": "Own shift end"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("first_name"), Column("last_name")),
            Row(Column("employee_id"), Column("equipment_source")),
            Row(Column("email"), Column("phone")),
            Row(Column("shift_start"), Column("shift_end")),
            Submit("save", "Save agent"),
        )

    def clean_employee_id(self):
        return self.cleaned_data["employee_id"].strip()


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file",
        help_text="CSV or Excel (.xlsx) with the columns first name, last name, employee ID, "
        "email, phone, equipment.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        return check_table_upload(self.cleaned_data["file"], what="a roster file")


class ScheduleForm(MarksInvalidFields, forms.ModelForm):
    """The scheduled jobs' times and addresses, for an ESP admin."""

    digest_time_zone = forms.ChoiceField(
        label="Digest time zone",
        choices=TIME_ZONE_CHOICES,
        help_text="The digest time is read in this zone (WFM's).",
    )

    class Meta:
        model = Schedule
        fields = ["default_end_of_day", "pm_grace_minutes", "digest_time", "digest_time_zone", "wfm_emails"]
        labels = {"digest_time": "Digest time", "wfm_emails": "WFM addresses"}
        help_texts = {
            "digest_time": "Each day at this time WFM is sent the day's attendance occurrences "
            "(the Attendance Policy: occurrences are reported to WFM).",
        }
        widgets = {
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "default_end_of_day": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "wfm_emails": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_wfm_emails(self):
        """One address per line (or separated by commas), each a real address."""
        text = self.cleaned_data["wfm_emails"]
        lines = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
        bad = []
        for line in lines:
            try:
                validators.validate_email(line)
            except forms.ValidationError:
                bad.append(line)
        if bad:
            raise forms.ValidationError(
                f"Not an email address: {', '.join(f'“{b}”' for b in bad)}. Put one address per line."
            )
        return "\n".join(lines)


class PersonForm(MarksInvalidFields, forms.ModelForm):
    """A person as an ESP admin sets them up: who they are, their roles and cohorts."""

    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.value) for r in Role],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A TL leads cohorts; a PM manages them and creates cohorts; an ESP manager reads every "
        "cohort; WFM reads attendance.",
    )
    admin = forms.BooleanField(
        label="ESP admin", required=False, help_text="Runs the Settings and sees every cohort."
    )
    leads = ModelMultipleChoiceField(
        label="Cohorts led (TL)",
        queryset=Cohort.objects.order_by("-start_date", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Choosing a cohort here hands it to this TL.",
    )
    manages = ModelMultipleChoiceField(
        label="Cohorts managed (PM)",
        queryset=Cohort.objects.order_by("-start_date", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Choosing a cohort here hands it to this PM.",
    )

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "username", "email", "is_active"]
        labels = {"is_active": "Active (may log in)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = self.fields["last_name"].required = True
        self.fields["email"].required = True
        person = self.instance
        if person.pk:
            self.initial.update(
                roles=sorted(roles_of(person)),
                admin=person.is_staff,
                leads=list(person.led_cohorts.all()),
                manages=list(person.managed_cohorts.all()),
            )
        else:
            self.fields.pop("is_active")
        self.helper = FormHelper()
        self.helper.form_tag = False

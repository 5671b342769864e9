import os

from django import forms
from django.core.files.uploadedfile import UploadedFile

from certifications.models import Task
from core.forms import MarksInvalidFields, ModelChoiceField
from core.uploads import BadUpload, check_proof_file
from core.validators import sane_date
from tickets.models import (
    CARRIER_TICKET,
    Playbook,
    PlaybookContact,
    StepOutcome,
    TicketField,
    TicketFile,
    TicketType,
)

STEP_CHOICES = [("tried", "Tried"), ("skipped", "Skipped")]

FIELD_CLASSES = {
    TicketField.Kind.TEXT: lambda spec: forms.CharField(max_length=500),
    TicketField.Kind.TEXTAREA: lambda spec: forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    ),
    TicketField.Kind.DATE: lambda spec: forms.DateField(
        validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    ),
    TicketField.Kind.NUMBER: lambda spec: forms.DecimalField(max_digits=12, decimal_places=2),
    TicketField.Kind.EMAIL: lambda spec: forms.EmailField(),
    TicketField.Kind.YES_NO: lambda spec: forms.ChoiceField(
        choices=[("", "—"), ("Yes", "Yes"), ("No", "No")]
    ),
    TicketField.Kind.CHOICE: lambda spec: forms.ChoiceField(
        choices=[("", "—"), *((c, c) for c in spec.choices)]
    ),
    TicketField.Kind.FILE: lambda spec: forms.FileField(
        widget=forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"})
    ),
}


class TicketForm(forms.Form):
    """The fields of one ticket type, as its admin defined them.

    Every field is optional while the ticket is a draft; the required ones are checked when it is
    submitted, beside each field.
    """

    def __init__(self, *args, ticket_type: TicketType, fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket_fields = list(fields if fields is not None else ticket_type.fields.all())
        for spec in self.ticket_fields:
            field = FIELD_CLASSES[spec.kind](spec)
            field.required = False
            field.label = spec.label + (" *" if spec.required else "")
            field.help_text = spec.help_text
            if spec.kind == TicketField.Kind.FILE:
                now = self.initial.get(spec.name)
                field.help_text = " ".join(
                    filter(
                        None, [spec.help_text, "A PNG or JPEG screenshot or a PDF.", now and f"Now: {now}."]
                    )
                )
            self.fields[spec.name] = field

    def clean(self):
        """A file chosen for a file field is read and checked here (type from its content, size),
        its problem said beside the field; kept as a TicketFile for the service to store."""
        data = super().clean()
        for spec in self.ticket_fields:
            upload = data.get(spec.name)
            if spec.kind != TicketField.Kind.FILE or not isinstance(upload, UploadedFile):
                continue
            try:
                checked = check_proof_file(upload, what="the file")
            except BadUpload as exc:
                self.add_error(spec.name, str(exc))
                continue
            name = os.path.basename(upload.name or "file")[:200] or "file"
            data[spec.name] = TicketFile(name, checked.content, checked.content_type, checked.sha256)
        return data

    def values(self) -> dict[str, str]:
        """Cleaned values as text, the way tickets keep them (a file chosen: its TicketFile)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, TicketFile):
                out[name] = value
            elif value is None:
                out[name] = ""
            elif hasattr(value, "isoformat"):
                out[name] = value.isoformat()
            else:
                out[name] = str(value).strip()
        return out


class NewTicketForm(forms.Form):
    ticket_type = ModelChoiceField(queryset=TicketType.objects.filter(active=True), label="Form")
    agent = ModelChoiceField(queryset=None)

    def __init__(self, *args, agents, **kwargs):
        kwargs.setdefault("auto_id", "new_%s")  # the filter form on the same page has these names
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents


class ResolveForm(forms.Form):
    resolution = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CarrierTicketForm(MarksInvalidFields, forms.Form):
    """A playbook run before a Carrier Ticket: each step of the playbooks that end in it marked
    tried or skipped (with why), the carrier and the issue; the token makes one draft."""

    carrier = forms.ChoiceField(choices=())
    issue = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    # One draft per form filled in: the page (cached, so the same for every visit) leaves it empty
    # and static/js/esp.js fills it when the form appears; the same token posted twice makes one.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput(attrs={"data-fresh-token": ""}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "carrier_%s")
        super().__init__(*args, **kwargs)
        exams = list(Task.objects.filter(is_exam=True, active=True).values_list("name", flat=True))
        self.fields["carrier"].choices = [(name, name) for name in [*exams, "TBT", "Other"]]
        self.playbooks = list(Playbook.objects.opening(CARRIER_TICKET))
        self.steps = []  # (playbook, step, outcome field name, reason field name)
        for playbook in self.playbooks:
            for n, step in enumerate(playbook.step_list, start=1):
                outcome, reason = f"step_{playbook.pk}_{n}", f"reason_{playbook.pk}_{n}"
                self.fields[outcome] = forms.ChoiceField(
                    label=step,
                    choices=STEP_CHOICES,
                    required=False,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                )
                self.fields[reason] = forms.CharField(
                    label=f"Why skipped: {step}",
                    max_length=300,
                    required=False,
                    widget=forms.TextInput(
                        attrs={"class": "form-control form-control-sm", "placeholder": "why it was skipped"}
                    ),
                )
                self.steps.append((playbook, step, outcome, reason))

    @property
    def step_rows(self):
        """Each step with its two bound fields, for the template."""
        return [
            (playbook, step, self[outcome], self[reason]) for playbook, step, outcome, reason in self.steps
        ]

    def clean(self):
        data = super().clean()
        outcomes = []
        for playbook, step, outcome_name, reason_name in self.steps:
            choice = data.get(outcome_name) or ""
            outcome = StepOutcome(
                playbook.name,
                step,
                {"tried": True, "skipped": False}.get(choice),
                data.get(reason_name) or "",
            )
            if outcome.problem:
                self.add_error(reason_name if choice == "skipped" else outcome_name, outcome.problem)
            outcomes.append(outcome)
        data["outcomes"] = outcomes
        return data


class TicketTypeSettingsForm(MarksInvalidFields, forms.ModelForm):
    """A ticket form as an ESP admin sets it: its name, where a submitted ticket goes, whether
    it is in use."""

    class Meta:
        model = TicketType
        fields = ["name", "description", "destination_email", "resolvable", "active"]
        labels = {"destination_email": "Sent to", "active": "In use"}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


FieldFormSet = forms.inlineformset_factory(
    TicketType,
    TicketField,
    fields=["position", "label", "name", "kind", "options", "required", "help_text"],
    widgets={
        "position": forms.NumberInput(attrs={"class": "form-control form-control-sm input-position"}),
        "label": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        "name": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
        "options": forms.Textarea(
            attrs={
                "rows": 2,
                "cols": 16,
                "placeholder": "one option per line",
                "class": "form-control form-control-sm",
            }
        ),
        "required": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        "help_text": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    },
    extra=1,
    can_delete=True,
)


class PlaybookSettingsForm(MarksInvalidFields, forms.ModelForm):
    """A troubleshooting playbook as an ESP admin sets it: its steps in order, the form it ends in."""

    class Meta:
        model = Playbook
        fields = ["name", "steps", "opens", "position"]
        labels = {"steps": "Steps, in order", "position": "Order among the playbooks"}
        widgets = {"steps": forms.Textarea(attrs={"rows": 6})}


ContactFormSet = forms.inlineformset_factory(
    Playbook,
    PlaybookContact,
    fields=["position", "label", "kind", "value"],
    widgets={
        "position": forms.NumberInput(attrs={"class": "form-control form-control-sm input-position"}),
        "label": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
        "value": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    },
    extra=1,
    can_delete=True,
)

import uuid

from django import forms

from certifications.models import Task
from core.validators import sane_date
from tickets.models import Playbook, TicketField, TicketType

FIELD_CLASSES = {
    TicketField.Kind.TEXT: lambda: forms.CharField(max_length=500),
    TicketField.Kind.TEXTAREA: lambda: forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    ),
    TicketField.Kind.DATE: lambda: forms.DateField(
        validators=[sane_date], widget=forms.DateInput(attrs={"type": "date"})
    ),
    TicketField.Kind.NUMBER: lambda: forms.DecimalField(max_digits=12, decimal_places=2),
    TicketField.Kind.EMAIL: lambda: forms.EmailField(),
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
            field = FIELD_CLASSES[spec.kind]()
            field.required = False
            field.label = spec.label + (" *" if spec.required else "")
            field.help_text = spec.help_text
            self.fields[spec.name] = field

    def values(self) -> dict[str, str]:
        """Cleaned values as text, the way tickets keep them."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value is None:
                out[name] = ""
            elif hasattr(value, "isoformat"):
                out[name] = value.isoformat()
            else:
                out[name] = str(value).strip()
        return out


class NewTicketForm(forms.Form):
    ticket_type = forms.ModelChoiceField(queryset=TicketType.objects.filter(active=True), label="Form")
    agent = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents


class ResolveForm(forms.Form):
    resolution = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CarrierTicketForm(forms.Form):
    """A playbook run: the steps ticked, the carrier and the issue; the token makes one draft."""

    carrier = forms.ChoiceField(choices=())
    issue = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    steps = forms.MultipleChoiceField(choices=(), required=False, widget=forms.CheckboxSelectMultiple)
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        kwargs.setdefault("auto_id", "carrier_%s")
        super().__init__(*args, **kwargs)
        exams = list(Task.objects.filter(is_exam=True, active=True).values_list("name", flat=True))
        self.fields["carrier"].choices = [(name, name) for name in [*exams, "TBT", "Other"]]
        self.fields["steps"].choices = [
            (f"{playbook.name}: {step}", step)
            for playbook in Playbook.objects.all()
            for step in playbook.step_list
        ]

    def clean(self):
        data = super().clean()
        if not data.get("steps"):
            self.add_error(
                "steps", "Tick the troubleshooting steps already tried before opening a Carrier Ticket."
            )
        return data

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cohorts.models import Agent, Cohort

CARRIER_TICKET = "carrier-ticket"  # the form the AHIP/Aetna playbook ends in
PHONE = RegexValidator(r"^\+?[0-9][0-9 .()\-]{5,30}$")
field_name_validator = RegexValidator(r"^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and underscores.")


class TicketType(models.Model):
    """One of the forms a TL submits (the five tracking forms); admins add more."""

    name = models.CharField(max_length=80, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    destination_email = models.EmailField(
        blank=True, help_text="A submitted ticket is emailed here as its record."
    )
    resolvable = models.BooleanField(
        default=False, help_text="Tickets of this type are later marked resolved."
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class TicketField(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Short text"
        TEXTAREA = "textarea", "Long text"
        DATE = "date", "Date"
        NUMBER = "number", "Number"
        EMAIL = "email", "Email address"
        YES_NO = "yes_no", "Yes or no"
        CHOICE = "choice", "Choice from a list"
        FILE = "file", "File (screenshot or PDF)"

    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(
        max_length=40,
        validators=[field_name_validator],
        help_text="Fields named like tracker facts are filled in for the TL: agent_name, employee_id, "
        "cohort, team_lead, carrier, exam, exam_date, score, attempt, certifier, certification_date, "
        "issue, steps_tried, file_name.",
    )
    label = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=200, blank=True)
    options = models.TextField(blank=True, help_text="For a choice from a list: one option per line.")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "name"], name="unique_field_name_per_type")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def choices(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and not self.choices:
            raise ValidationError({"options": "A choice from a list needs its options: one per line."})


class TicketQuerySet(models.QuerySet):
    def unsubmitted(self, on=None) -> "TicketQuerySet":
        """Drafts (up to the cohort day `on`): what must be submitted before the TL logs off."""
        drafts = self.filter(status=Ticket.Status.DRAFT)
        return drafts if on is None else drafts.filter(day__lte=on)


class Ticket(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RESOLVED = "resolved", "Resolved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="tickets")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(help_text="The cohort's date when the ticket was opened.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(default=dict, blank=True)
    source_key = models.CharField(
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text="The event that drafted it: one draft per event.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(
        default=0, help_text="1 when submitted, more after corrections."
    )
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()
    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-created_at"]
        indexes = [
            # The ticket list filters a cohort's tickets by day; end of day counts drafts per cohort.
            models.Index(fields=["cohort", "day"]),
            models.Index(fields=["agent"], condition=models.Q(status="draft"), name="draft_tickets_by_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_type} for {self.agent}"

    @property
    def subject(self) -> str:
        """What the ticket is about within its form, from its data: the carrier or certification
        and, for a failed exam, which attempt ("AHIP, attempt 2"); empty when the form names none.
        An agent has a form of a kind per exam, and the lists tell them apart by it."""
        about = str(self.data.get("carrier") or "").strip()
        attempt = str(self.data.get("attempt") or "").strip()
        return f"{about}, attempt {attempt}" if about and attempt else about

    @property
    def title(self) -> str:
        """The form's name with the subject: "Failed Carrier Cert Exams · AHIP, attempt 2"."""
        subject = self.subject
        return f"{self.ticket_type.name} · {subject}" if subject else self.ticket_type.name


def attachment_path(instance: "TicketAttachment", filename: str) -> str:
    """A name nobody can guess, outside any public path; the original name is kept in the row."""
    return f"tickets/{uuid.uuid4().hex}"


@dataclass(frozen=True)
class TicketFile:
    """A file chosen for a ticket's file field, already checked (its type read from its content,
    its size within the limit); stored when the ticket is saved."""

    name: str
    content: bytes
    content_type: str
    sha256: str

    def __str__(self) -> str:
        return self.name


class TicketAttachment(models.Model):
    """A file given in a ticket's file field: the newest per field is the ticket's, earlier ones
    stay as its history. Served only to users who may read the ticket, and sent with its email."""

    # Saved with its ticket, whose save renews the cohort's cached pages: none shows the file.
    shown_on_cached_pages = False

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    field_name = models.CharField(max_length=40)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        # The ticket page and its email read a ticket's newest file per field.
        indexes = [models.Index(fields=["ticket", "field_name"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.field_name} of ticket {self.ticket_id})"


class PlaybookQuerySet(models.QuerySet):
    def opening(self, type_code: str) -> "PlaybookQuerySet":
        """The playbooks that end in this form: their steps are marked before it opens."""
        return self.filter(opens__code=type_code, opens__active=True).prefetch_related("contacts")


@dataclass(frozen=True)
class StepOutcome:
    """What the TL did with one step of a playbook before opening its form."""

    playbook: str
    step: str
    tried: bool | None  # None: not marked
    reason: str = ""  # why it was skipped

    @property
    def line(self) -> str:
        """The step as the ticket records it."""
        if self.tried:
            return f"Tried: {self.step} ({self.playbook})"
        return f"Skipped: {self.step} ({self.playbook}), because {self.reason.strip()}"

    @property
    def problem(self) -> str:
        """Why the form cannot open yet with this step as it is ("" when it can)."""
        if self.tried is None:
            return "Mark this step tried or skipped."
        if not self.tried and not self.reason.strip():
            return "Say why this step was skipped."
        return ""


class Playbook(models.Model):
    """A troubleshooting playbook of the source page, as a checklist the TL works through."""

    name = models.CharField(max_length=60, unique=True)
    code = models.SlugField(max_length=30, unique=True)
    steps = models.TextField(help_text="One step per line.")
    position = models.PositiveSmallIntegerField(default=0)
    opens = models.ForeignKey(
        TicketType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="playbooks",
        verbose_name="ends in the form",
        help_text="The form opened when every step was tried (or skipped with a reason) and the "
        "issue remains; the TL marks each of its steps.",
    )

    history = HistoricalRecords()
    objects = PlaybookQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class PlaybookContact(models.Model):
    """Who to contact at a step of a playbook (company IT, AHIP or Aetna support), as the source
    pages name them; the address itself is admin data."""

    class Kind(models.TextChoices):
        WEB = "web", "Web address"
        EMAIL = "email", "Email address"
        PHONE = "phone", "Phone number"

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="contacts")
    label = models.CharField(max_length=120, help_text="Who it is and when to use it, as the TL reads it.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(
        "address or number", max_length=200, blank=True, help_text="Left empty until an admin fills it in."
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["playbook", "position", "pk"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if not self.value:
            return
        checks = {
            self.Kind.WEB: (
                URLValidator(schemes=["http", "https"]),
                "Enter a web address starting with https://.",
            ),
            self.Kind.EMAIL: (EmailValidator(), "Enter an email address."),
            self.Kind.PHONE: (PHONE, "Enter a phone number: digits, spaces, dots, dashes, + and ( )."),
        }
        check, message = checks[self.kind]
        try:
            check(self.value)
        except ValidationError:
            raise ValidationError({"value": message}) from None

    @property
    def href(self) -> str:
        if not self.value:
            return ""
        if self.kind == self.Kind.EMAIL:
            return f"mailto:{self.value}"
        if self.kind == self.Kind.PHONE:
            return "tel:" + "".join(c for c in self.value if c.isdigit() or c == "+")
        return self.value

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from cohorts.models import Agent, Cohort
from esp.history import user_who_saved


class Task(models.Model):
    """An ESP task: a column of the tracking sheet. Admins edit the list, due days and limits."""

    name = models.CharField(max_length=60, unique=True)
    code = models.SlugField(max_length=30, unique=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Column order in the tracker and its export."
    )
    due_day = models.PositiveSmallIntegerField(
        "due ESP day",
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="The ESP day by whose end the task must be done (Agent Timeframe Expectations).",
    )
    requires_proof = models.BooleanField(default=False, help_text="A screenshot or PDF must be verified.")
    is_exam = models.BooleanField(default=False, help_text="Taken as an exam with attempts and scores.")
    attempt_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Failed attempts allowed (Failed Cert Exams Guide); exams only.",
    )
    required = models.BooleanField(default=True, help_text="Must be verified before the agent is ready.")
    active = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.attempt_limit and not self.is_exam:
            raise ValidationError({"attempt_limit": "Only an exam has an attempt limit."})
        if self.is_exam and not self.attempt_limit:
            raise ValidationError({"attempt_limit": "Set how many failed attempts the exam allows."})

    def due_date(self, cohort: Cohort) -> datetime.date:
        """The calendar date of the due ESP day (the last ESP day if the week is shorter)."""
        return cohort.esp_days[min(self.due_day, cohort.day_count) - 1]


class TaskStatus(models.Model):
    """One agent's status on one task: one cell of the tracker."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        BLOCKED = "blocked", "Blocked"
        FAILED = "failed", "Failed"
        COMPLETE = "complete", "Complete"
        VERIFIED = "verified", "Verified"

    DONE = (Status.COMPLETE, Status.VERIFIED)

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="task_statuses")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="statuses")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    blocked_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=user_who_saved)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "task"], name="one_status_per_agent_task")]
        verbose_name_plural = "task statuses"

    def __str__(self) -> str:
        return f"{self.agent_id}/{self.task_id}: {self.status}"

    def clean(self) -> None:
        if self.status == self.Status.BLOCKED and not self.blocked_reason.strip():
            raise ValidationError({"blocked_reason": "Say what blocks the task."})

    @property
    def done(self) -> bool:
        return self.status in self.DONE


class ExamAttempt(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="exam_attempts")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="attempts")
    taken_on = models.DateField()
    score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent.",
    )
    passed = models.BooleanField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_on", "recorded_at"]
        indexes = [
            # The tracker counts each agent's failed attempts per exam.
            models.Index(fields=["agent", "task"]),
        ]

    def __str__(self) -> str:
        return f"{self.task} on {self.taken_on}: {'pass' if self.passed else 'fail'}"


def proof_path(instance: "Proof", filename: str) -> str:
    """A name nobody can guess, outside any public path; the original name is kept in the row."""
    return f"proof/{uuid.uuid4().hex}"


class Proof(models.Model):
    """A certification screenshot or PDF, served only to users who may see the agent."""

    class Review(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="proofs")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="proofs")
    file = models.FileField(upload_to=proof_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)
    rejection_reason = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["file"])

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.task} proof for {self.agent_id}"


class DailyNote(models.Model):
    """The sheet's notes column: one note per agent per ESP day."""

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="notes")
    day = models.DateField()
    text = models.TextField(max_length=4000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=user_who_saved)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["agent", "day"], name="one_note_per_agent_day")]

    def __str__(self) -> str:
        return f"Note on {self.day} for {self.agent_id}"


class RedFlag(models.Model):
    class Category(models.TextChoices):
        BACKGROUND_CHECK = "background_check", "Background check"
        EQUIPMENT = "equipment", "Equipment"
        CONDUCT = "conduct", "Conduct"
        ATTENDANCE = "attendance", "Attendance"
        OTHER = "other", "Other"

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="red_flags")
    category = models.CharField(max_length=20, choices=Category.choices)
    details = models.TextField(max_length=4000)
    confidential = models.BooleanField(
        default=False, help_text="Only PMs, ESP managers and admins can see a confidential red flag."
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField(blank=True, max_length=4000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            # Readiness and the dashboards look for an agent's open red flags.
            models.Index(
                fields=["agent"], condition=models.Q(resolved_at__isnull=True), name="open_red_flags"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} red flag on {self.agent_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Handoff(models.Model):
    """An agent moved to production: who moved them, to which TL, and that TL's acknowledgement."""

    agent = models.OneToOneField(Agent, on_delete=models.PROTECT, related_name="handoff")
    from_tl = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_tl = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handoffs_received"
    )
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=4000)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Handoff of {self.agent_id}"

import copy
import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ProtectedError
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cohorts.models import Agent, Cohort
from core.history import user_who_saved
from core.validators import sane_date


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
    terms_from = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day the newest version of the task terms (whose due day and limit are above) "
        "holds from; a cohort held to an earlier day reads its version's.",
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

    def attempts_left(self, failed: int) -> int | None:
        """Failed attempts still allowed by the Failed Cert Exams Guide; None for a task without a limit."""
        return max(self.attempt_limit - failed, 0) if self.attempt_limit else None

    def limit_reached(self, failed: int) -> bool:
        return bool(self.attempt_limit) and failed >= self.attempt_limit

    def state(
        self, status: str, cohort: Cohort, now: datetime.datetime, carried_until: datetime.date | None = None
    ) -> "TaskState":
        """The task's state for an agent at `now`, the one rule every page, email and job uses.

        Overdue means not done by the end of its due day: the cohort's end of day, in its zone.
        On the due day before then it is due today. A task carried over (with a reason) is due
        on the ESP day after the one it was carried from: carried over until then.
        """
        if status in TaskStatus.DONE:
            return TaskState.DONE
        due = self.due_date(cohort)
        if carried_until is not None and carried_until > due:
            due = carried_until
            carried = True
        else:
            carried = False
        local = now.astimezone(cohort.tzinfo)
        today = local.date()
        if today < due:
            return TaskState.CARRIED_OVER if carried else TaskState.UPCOMING
        if today == due and local.time() < cohort.end_of_day_time:
            return TaskState.DUE_TODAY
        return TaskState.OVERDUE


def terms_of(terms: dict, task: Task) -> tuple[int, int | None]:
    """A task's due day and attempt limit under a version's terms ({task id: [due day, attempt
    limit]}); a task added after the version keeps its own."""
    due_day, limit = terms.get(str(task.pk), (task.due_day, task.attempt_limit))
    return due_day, limit


def as_held(tasks: list[Task], terms: dict) -> list[Task]:
    """The tasks under a version's terms: copies where they differ from the task's own."""
    held = []
    for task in tasks:
        due_day, limit = terms_of(terms, task)
        if (due_day, limit) != (task.due_day, task.attempt_limit):
            task = copy.copy(task)
            task.due_day, task.attempt_limit = due_day, limit
        held.append(task)
    return held


class TaskTermsQuerySet(models.QuerySet):
    def delete(self):
        raise ProtectedError("Cohorts are held to the task terms; a version is never deleted.", set(self))

    def tasks_held(self, cohorts, tasks: list[Task]) -> dict[int, list[Task]]:
        """Each cohort's tasks with the due days and attempt limits it is held to: the newest
        version in force on its terms day (Cohort.terms_day: its start, unless an admin moved it).
        The tasks carry the newest version's terms and its day, so a cohort held to the newest
        costs no query; the versions are read once for the others (and kept on their objects)."""
        newest_from = max((t.terms_from for t in tasks if t.terms_from), default=None)
        earlier = [c for c in cohorts if newest_from is not None and c.terms_day < newest_from]
        unknown = [c for c in earlier if getattr(c, "task_terms_held", None) is None]
        if unknown:
            versions = list(self.order_by("effective_from").values_list("effective_from", "terms"))
            for cohort in unknown:
                cohort.task_terms_held = held_on(versions, cohort.terms_day, since=lambda v: v[0])[1]
        earlier_ids = {c.pk for c in earlier}
        return {c.pk: as_held(tasks, c.task_terms_held) if c.pk in earlier_ids else tasks for c in cohorts}

    def held_to(self, cohorts, *, versions=None) -> dict[int, "TaskTerms"]:
        """The version each cohort is held to, as objects (for the settings pages)."""
        versions = sorted(self if versions is None else versions, key=lambda v: v.effective_from)
        return {c.pk: held_on(versions, c.terms_day, since=lambda v: v.effective_from) for c in cohorts}


def held_on(versions: list, day: datetime.date, *, since):
    """Of versions in date order, the newest in force on `day` (before the first: the first)."""
    started = [v for v in versions if since(v) <= day]
    return started[-1] if started else (versions[0] if versions else None)


class TaskTerms(models.Model):
    """A version of the tasks' due days and exam attempt limits (Agent Timeframe Expectations,
    Failed Cert Exams Guide). A cohort is held to the version in force on its start date unless an
    admin moves it; the newest version's terms are also on the tasks themselves, for new cohorts."""

    number = models.PositiveIntegerField(unique=True)
    effective_from = models.DateField(
        unique=True,
        validators=[sane_date],
        help_text="Cohorts that start on or after this date are held to it.",
    )
    # {task id: [due ESP day, attempt limit or null]} for every task when it was published.
    terms = models.JSONField()
    note = models.CharField(max_length=300, blank=True, help_text="Why the terms changed, for the record.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    objects = TaskTermsQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "task terms version"

    def __str__(self) -> str:
        return f"Task terms v{self.number} (from {self.effective_from:%Y-%m-%d})"

    def delete(self, *args, **kwargs):
        raise ProtectedError("Cohorts are held to the task terms; a version is never deleted.", {self})

    @property
    def since(self) -> str:
        """When it is in force from, in words: the first version holds every earlier cohort."""
        return "from the start" if self.number == 1 else f"from {self.effective_from:%a %-d %b %Y}"

    def of(self, task: Task) -> tuple[int, int | None]:
        """The task's due day and attempt limit under this version."""
        return terms_of(self.terms, task)

    def apply(self, tasks: list[Task]) -> list[Task]:
        """The tasks as this version holds them: copies where its terms differ from the task's."""
        return as_held(tasks, self.terms)


class TaskState(models.TextChoices):
    DONE = "done", "Done"
    UPCOMING = "upcoming", "Not due yet"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"
    CARRIED_OVER = "carried_over", "Carried over"


# The states the TL must act on before logging off.
OPEN_STATES = (TaskState.DUE_TODAY, TaskState.OVERDUE)


class TaskStatusQuerySet(models.QuerySet):
    def of(self, agent_ids) -> "TaskStatusQuerySet":
        # Filter on the agents' ids, not on a join through the cohort: the (agent, task) index
        # then serves a year of history without scanning it.
        return self.filter(agent_id__in=agent_ids)


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
    # Closing the day never needs a status that is not true: a task that cannot be finished
    # today (an absent agent's, say) is carried over to the next ESP day, with why.
    carried_from = models.DateField(
        "carried over from",
        null=True,
        blank=True,
        help_text="The ESP day the task was last carried over from.",
    )
    carried_reason = models.CharField("why it was carried over", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=user_who_saved)
    objects = TaskStatusQuerySet.as_manager()

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


class ExamAttemptQuerySet(models.QuerySet):
    def failed(self) -> "ExamAttemptQuerySet":
        """What counts as a failed attempt: the one rule every count of failures reads."""
        return self.filter(passed=False)

    def failures(self, agent_ids) -> dict[tuple[int, int], int]:
        """Failed attempts per (agent, exam): the one count the grid, the limits and the rules read."""
        rows = (
            self.failed()
            .filter(agent_id__in=agent_ids)
            .values_list("agent_id", "task_id")
            .annotate(n=models.Count("id"))
        )
        return {(agent_id, task_id): n for agent_id, task_id, n in rows}

    def failures_of_cell(self) -> models.Subquery:
        """The same count for the (agent, task) of an outer TaskStatus query, as a subquery: a
        cell's save reads it with the row it locks."""
        counted = (
            self.failed()
            .filter(agent_id=models.OuterRef("agent_id"), task_id=models.OuterRef("task_id"))
            .values("agent_id")
            .annotate(n=models.Count("id"))
            .values("n")
        )
        return Coalesce(models.Subquery(counted), 0)


class ExamAttempt(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="exam_attempts")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="attempts")
    taken_on = models.DateField(validators=[sane_date])
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
    objects = ExamAttemptQuerySet.as_manager()

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
    duplicate_cleared_reason = models.CharField(
        "why the same file elsewhere is fine",
        max_length=200,
        blank=True,
        help_text="A proof whose file was also uploaded for another agent is verified only once "
        "someone says why that is fine.",
    )
    duplicate_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duplicate_cleared_at = models.DateTimeField(null=True, blank=True)

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
    version = models.PositiveIntegerField(
        default=0, help_text="Raised by each save: a stale edit is refused."
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=user_who_saved)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["agent", "day"], name="one_note_per_agent_day")]

    def __str__(self) -> str:
        return f"Note on {self.day} for {self.agent_id}"


class RedFlagQuerySet(models.QuerySet):
    def visible_to(self, user, sees_confidential: bool) -> "RedFlagQuerySet":
        """Confidential red flags are for PMs, ESP managers and admins, and for whoever raised one."""
        if sees_confidential:
            return self
        return self.filter(models.Q(confidential=False) | models.Q(raised_by=user))

    def open(self) -> "RedFlagQuerySet":
        return self.filter(resolved_at__isnull=True)

    def repeating(self, *, agent, category: str, details: str, since) -> "RedFlag | None":
        """The flag that one with these facts, raised now, would repeat: same agent, category and
        details (spaces aside), raised since `since`."""
        return (
            self.filter(agent=agent, category=category, details=details.strip(), raised_at__gte=since)
            .order_by("raised_at")
            .first()
        )


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
    objects = RedFlagQuerySet.as_manager()

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

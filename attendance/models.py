import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cohorts.access import roles_of
from cohorts.models import Agent, Cohort
from core.history import user_who_saved
from core.validators import sane_date


class AttendancePolicy(models.Model):
    """A version of the Attendance Policy's thresholds, in force from its effective date."""

    effective_from = models.DateField(
        unique=True, validators=[sane_date], help_text="In force for ESP days from this date."
    )
    tardy_minutes = models.PositiveSmallIntegerField(
        "late / early threshold (minutes)",
        validators=[MinValueValidator(1)],
        help_text="Arriving this many minutes late or leaving this many minutes early is an occurrence.",
    )
    partial_day_minutes = models.PositiveSmallIntegerField(
        "partial-day threshold (minutes)",
        validators=[MinValueValidator(1)],
        help_text="Arriving or leaving this many minutes off the shift counts as a partial day "
        "(the source page: 4 hours = 240 minutes).",
    )
    time_away_counts = models.BooleanField(
        "a confirmed time away counts as leaving early",
        default=False,
        help_text="A time away from the day's Google Meet (left and returned), confirmed by the TL, is an "
        "occurrence: leaving early, at the tier its length reaches. Off: it is kept with the day only.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why this version was made.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name_plural = "attendance policies"

    def __str__(self) -> str:
        return (
            f"From {self.effective_from:%Y-%m-%d}: late/early {self.tardy_minutes} min, "
            f"partial day {self.partial_day_minutes} min"
        )

    def clean(self) -> None:
        if self.tardy_minutes and self.partial_day_minutes and self.partial_day_minutes <= self.tardy_minutes:
            raise ValidationError(
                {"partial_day_minutes": "The partial-day threshold must be longer than the late threshold."}
            )

    @property
    def tardy(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.tardy_minutes)

    @property
    def partial_day(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.partial_day_minutes)

    @classmethod
    def in_force(cls, day: datetime.date) -> "AttendancePolicy":
        """The version in force on `day`."""
        policy = cls.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
        if policy is None:
            raise cls.DoesNotExist(f"No attendance policy is in force on {day}.")
        return policy


class Occurrence(models.TextChoices):
    LATE = "late", "Late"
    LATE_PARTIAL = "late_partial", "Late, partial day"
    LEFT_EARLY = "left_early", "Left early"
    LEFT_EARLY_PARTIAL = "left_early_partial", "Left early, partial day"
    ABSENT = "absent", "Absent all day"


@dataclass(frozen=True)
class Classification:
    arrival: str = ""  # "", Occurrence.LATE or Occurrence.LATE_PARTIAL
    departure: str = ""  # "", Occurrence.LEFT_EARLY or Occurrence.LEFT_EARLY_PARTIAL
    absent: bool = False

    @property
    def occurrences(self) -> list[str]:
        kinds = [k for k in (self.arrival, self.departure) if k]
        return [Occurrence.ABSENT] if self.absent else kinds


def classify(
    *,
    scheduled_start: datetime.datetime,
    scheduled_end: datetime.datetime,
    arrived: datetime.datetime | None,
    departed: datetime.datetime | None,
    absent: bool,
    policy: AttendancePolicy,
    away: datetime.timedelta | None = None,
) -> Classification:
    """The occurrences of one agent's day under `policy`; a threshold reached exactly counts. A
    confirmed time away (`away`, the longest) counts as leaving early only if the policy says so."""
    if absent:
        return Classification(absent=True)
    arrival = departure = ""
    if arrived is not None:
        late_by = arrived - scheduled_start
        if late_by >= policy.partial_day:
            arrival = Occurrence.LATE_PARTIAL
        elif late_by >= policy.tardy:
            arrival = Occurrence.LATE
    early_by = scheduled_end - departed if departed is not None else None
    if away and policy.time_away_counts:
        early_by = max(early_by or away, away)
    if early_by is not None:
        if early_by >= policy.partial_day:
            departure = Occurrence.LEFT_EARLY_PARTIAL
        elif early_by >= policy.tardy:
            departure = Occurrence.LEFT_EARLY
    return Classification(arrival=arrival, departure=departure)


class RecordSource(models.TextChoices):
    """Where a record's times came from last: what its history and the Meet import's preview say."""

    ROLL_CALL = "roll_call", "Roll call"
    LOGIN_REPORT = "login_report", "Login report"
    MEET_REPORT = "meet_report", "Google Meet report"


class AttendanceRecordQuerySet(models.QuerySet):
    def with_occurrences(self) -> "AttendanceRecordQuerySet":
        """Records with at least one occurrence (absent, or a late or early classification): what
        the WFM page and the dashboard's occurrences read."""
        return self.filter(
            models.Q(absent=True) | ~models.Q(arrival_occurrence="") | ~models.Q(departure_occurrence="")
        )


class AttendanceRecord(models.Model):
    """One agent's attendance on one ESP day, classified by the policy version it keeps."""

    ARRIVAL_CHOICES = [
        ("", "On time"),
        (Occurrence.LATE, "Late"),
        (Occurrence.LATE_PARTIAL, "Late, partial day"),
    ]
    DEPARTURE_CHOICES = [
        ("", "Stayed"),
        (Occurrence.LEFT_EARLY, "Left early"),
        (Occurrence.LEFT_EARLY_PARTIAL, "Left early, partial day"),
    ]

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="attendance_records")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="attendance_records")
    day = models.DateField()
    scheduled_start_at = models.DateTimeField()
    scheduled_end_at = models.DateTimeField()
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    absent = models.BooleanField("absent all day", default=False)
    excused = models.BooleanField(default=False)
    excused_reason = models.CharField(max_length=200, blank=True)
    time_away = models.DurationField(
        null=True, blank=True, help_text="The longest time away from the Meet that the TL confirmed."
    )
    source = models.CharField(
        max_length=20,
        choices=RecordSource.choices,
        default=RecordSource.ROLL_CALL,
        help_text="Where the times came from last: the roll call, a login report or a Google Meet report.",
    )
    policy = models.ForeignKey(AttendancePolicy, on_delete=models.PROTECT, related_name="records")
    arrival_occurrence = models.CharField(max_length=20, choices=ARRIVAL_CHOICES, blank=True)
    departure_occurrence = models.CharField(max_length=20, choices=DEPARTURE_CHOICES, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped on every save, to catch concurrent edits."
    )
    reported_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version WFM was last told about."
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    wfm_pending = models.BooleanField(
        "WFM to be told", default=False, help_text="An occurrence or a correction WFM has not been sent yet."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["reported_version", "reported_at", "wfm_pending"], get_user=user_who_saved
    )
    objects = AttendanceRecordQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "day"], name="one_attendance_record_per_agent_day"),
        ]
        indexes = [
            # Roll call and the matrix read a cohort's records for a day or a week.
            models.Index(fields=["cohort", "day"]),
            # The WFM digest reads every cohort's records of one day.
            models.Index(fields=["day"]),
            # ... and what WFM has not been told yet, from any earlier day.
            models.Index(fields=["day"], condition=models.Q(wfm_pending=True), name="attendance_wfm_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} on {self.day}"

    def classify(self) -> None:
        """Set the occurrence fields from the times under the record's own policy version."""
        result = classify(
            scheduled_start=self.scheduled_start_at,
            scheduled_end=self.scheduled_end_at,
            arrived=self.arrived_at,
            departed=self.departed_at,
            absent=self.absent,
            policy=self.policy,
            away=self.time_away,
        )
        self.arrival_occurrence = result.arrival
        self.departure_occurrence = result.departure

    # What touch() sets, for bulk updates that must write all of it (updated_at is auto_now).
    TOUCHED_FIELDS = [
        "arrival_occurrence",
        "departure_occurrence",
        "version",
        "updated_by",
        "wfm_pending",
        "updated_at",
    ]

    def touch(self, by) -> None:
        """Reclassify after a change, bump the version, and note what WFM must hear of."""
        self.classify()
        self.version += 1
        self.updated_by = by
        self.wfm_pending = bool(self.occurrences) or self.reported_version is not None

    def rule_facts(self) -> tuple:
        """What the escalation rules read of the record (accountability.evaluate): its day,
        whether it is excused, absent, and its occurrences. A write that leaves them as they
        were gives the rules nothing new to look at."""
        return (self.day, self.excused, self.absent, tuple(self.occurrences))

    @property
    def occurrences(self) -> list[str]:
        if self.absent:
            return [Occurrence.ABSENT]
        return [k for k in (self.arrival_occurrence, self.departure_occurrence) if k]

    def occurrence_labels(self) -> list[str]:
        return [Occurrence(k).label for k in self.occurrences]

    def occurrence_pairs(self) -> list[tuple[str, str]]:
        return [(k, Occurrence(k).label) for k in self.occurrences]


class AttendanceGap(models.Model):
    """A time an agent left the day's Google Meet and came back, at least the tardy threshold long,
    that the TL confirmed from the Meet report's preview. It is shown with the day; under the
    policy it is no occurrence of its own."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(AttendanceRecord, on_delete=models.CASCADE, related_name="gaps")
    left_at = models.DateTimeField()
    returned_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(get_user=user_who_saved)

    class Meta:
        ordering = ["left_at"]
        constraints = [
            # The same report imported twice confirms the same gap once.
            models.UniqueConstraint(fields=["record", "left_at"], name="one_gap_per_record_and_time"),
        ]

    def __str__(self) -> str:
        return f"{self.record.agent} away {self.left_at:%H:%M}-{self.returned_at:%H:%M}"


class MeetAlias(models.Model):
    """How a participant of the cohort's Google Meet reports is known: the address (or, for a
    phone joiner without one, the name shown) that the TL matched once to an agent, or ignored
    (the TL, a guest), remembered for the cohort's later reports."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="meet_aliases")
    address = models.CharField(max_length=254, help_text="The Meet email, lower case; or “phone: <name>”.")
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, null=True, blank=True, related_name="meet_aliases",
        help_text="Empty: ignored in every report of the cohort.",
    )  # fmt: skip
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(get_user=user_who_saved)

    class Meta:
        ordering = ["address"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "address"], name="one_meet_alias_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.address} → {self.agent or 'ignored'}"


class Reclassification(models.Model):
    """An admin's deliberate re-run of the policy over a range of days: what, by whom, and when."""

    start = models.DateField()
    end = models.DateField()
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, null=True, blank=True)
    reason = models.CharField(max_length=200)
    records_checked = models.PositiveIntegerField(default=0)
    records_changed = models.PositiveIntegerField(
        default=0, help_text="Records whose occurrences changed (only these go to WFM as corrections)."
    )
    changes = models.JSONField(
        default=list, blank=True, help_text="[{record, agent, day, before, after}] of each changed record."
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Reclassified {self.start}–{self.end} ({self.records_changed} changed)"


# --- Accountability: the corrective-action ladder, escalation rules, recommendations, CAPs --------


class CorrectiveLevel(models.Model):
    """A step of the ladder: documented verbal coaching, Written CAP, Final CAP, Term."""

    name = models.CharField(max_length=40, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="1 for the first step; each step follows the one before."
    )
    is_term = models.BooleanField(default=False, help_text="Issuing it terminates the agent.")
    printable = models.BooleanField(default=True, help_text="Printed and signed as a CAP document.")
    needs_approval = models.BooleanField(
        default=False,
        help_text="A TL's issue of this level waits for the PM's (or an admin's) approval before it is "
        "in force.",
    )
    response_hours = models.PositiveSmallIntegerField(
        "written response window (hours)",
        default=72,
        help_text="How long after it is handed over the agent may answer a CAP in writing.",
    )
    appeal_working_days = models.PositiveSmallIntegerField(
        "appeal window (working days)",
        default=5,
        help_text="How many working days after it is handed over the agent may appeal a CAP.",
    )
    in_force_months = models.PositiveSmallIntegerField(
        "in force for (months)",
        default=12,
        validators=[MinValueValidator(1)],
        help_text="After this many months an action expires and no longer counts on the ladder.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class EscalationRule(models.Model):
    """A rule that recommends a level: versioned, since a recommendation keeps the version that made it.

    Admins change a rule by adding its next version; a version that made recommendations is frozen.
    """

    class Kind(models.TextChoices):
        OCCURRENCES = "occurrences", "Count of occurrences"
        CONSECUTIVE_ABSENCES = "consecutive_absences", "Consecutive absences"
        OVERDUE_TASK = "overdue_task", "Overdue tasks"
        ATTEMPT_LIMIT = "attempt_limit", "Exam attempt limit reached"

    class Window(models.TextChoices):
        ESP_WEEK = "esp_week", "The ESP week"
        ROLLING = "rolling", "A rolling window of days"

    name = models.CharField(max_length=80, help_text="The same name across versions.")
    version = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True, help_text="Only the active version of a rule is applied.")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurrence_kinds = models.CharField(
        max_length=120,
        blank=True,
        help_text="For occurrence counts: comma-separated kinds (late, late_partial, left_early, "
        "left_early_partial, absent).",
    )
    window = models.CharField(max_length=10, choices=Window.choices, default=Window.ESP_WEEK)
    window_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For a rolling window.")
    threshold = models.PositiveSmallIntegerField(
        help_text="How many (occurrences, absent days, overdue tasks) trigger it."
    )
    free_incidents = models.PositiveSmallIntegerField(
        default=0,
        help_text="For occurrence counts: how many incidents in the window are allowed before any "
        "counts (the earliest ones go free).",
    )
    level = models.ForeignKey(CorrectiveLevel, on_delete=models.PROTECT, related_name="rules")
    note = models.CharField(
        max_length=200, default="Default: the source pages name the policy but not its numbers; set yours."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="one_rule_version")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def kinds(self) -> list[str]:
        return [k.strip() for k in self.occurrence_kinds.split(",") if k.strip()]


class Recommendation(models.Model):
    """A level a rule recommends for an agent, with the facts that triggered it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ISSUED = "issued", "Issued"
        DISMISSED = "dismissed", "Dismissed"

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="recommendations")
    rule = models.ForeignKey(EscalationRule, on_delete=models.PROTECT, related_name="recommendations")
    level = models.ForeignKey(CorrectiveLevel, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(default=list, help_text="[{kind, day, text}] that triggered the rule.")
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The same rule on the same facts recommends once, however often rules are evaluated.
            models.UniqueConstraint(
                fields=["agent", "rule", "fingerprint"], name="one_recommendation_per_facts"
            ),
        ]
        indexes = [
            models.Index(
                fields=["agent"], condition=models.Q(status="pending"), name="pending_recommendations"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} for {self.agent_id} by {self.rule}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """The working day (Monday to Friday) `days` working days after `day`."""
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


class CorrectiveActionQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date) -> "CorrectiveActionQuerySet":
        """What counts on the ladder on `on`: active, not withdrawn on appeal, not expired."""
        return (
            self.filter(status=CorrectiveAction.Status.ACTIVE)
            .exclude(appeal_outcome=CorrectiveAction.Outcome.WITHDRAWN)
            .exclude(expires_on__lte=on)
        )

    def ladder_ranks(self, on: datetime.date) -> dict[int, int]:
        """Each agent's highest rank in force on `on` (a reduced action at the rank it holds)."""
        rank = Coalesce("reduced_to__rank", "level__rank")
        rows = self.in_force(on).values_list("agent_id").annotate(rank=models.Max(rank))
        return dict(rows)

    def awaiting_receipt(self) -> "CorrectiveActionQuerySet":
        """Printable actions in force that the agent has neither acknowledged nor refused to sign."""
        return self.filter(
            status=CorrectiveAction.Status.ACTIVE,
            level__printable=True,
            level__is_term=False,
            acknowledged_on__isnull=True,
            refused_on__isnull=True,
        ).exclude(appeal_outcome=CorrectiveAction.Outcome.WITHDRAWN)


class CorrectiveAction(models.Model):
    """Documented coaching or a CAP: never deleted, voided with a reason instead.

    A CAP's life: issued, handed to the agent (delivered), then acknowledged (a signature means
    receipt, not agreement) or refused to sign (before a witness); the agent's written response
    within the level's window; an appeal within its window, decided by an ESP manager (upheld,
    reduced or withdrawn); in force until it expires. Each step is dated, by whom, in history."""

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", "Waiting for approval"
        ACTIVE = "active", "Active"
        VOIDED = "voided", "Voided"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld"
        REDUCED = "reduced", "Reduced to the step before"
        WITHDRAWN = "withdrawn", "Withdrawn"

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="corrective_actions")
    level = models.ForeignKey(CorrectiveLevel, on_delete=models.PROTECT, related_name="actions")
    date = models.DateField(validators=[sane_date])
    reasons = models.TextField(help_text="What happened, with the facts and their days.")
    facts = models.JSONField(default=list, blank=True)
    expectations = models.TextField("expectations going forward")
    consequences = models.TextField(help_text="What follows if the expectations are not met.")
    follow_up_date = models.DateField(null=True, blank=True, validators=[sane_date])
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.CharField(max_length=120, blank=True)
    acknowledged_on = models.DateField("agent acknowledged on", null=True, blank=True, validators=[sane_date])
    agent_comments = models.TextField(blank=True)
    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.PROTECT, null=True, blank=True, related_name="action"
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField("handed to the agent at", null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refused_on = models.DateField("refused to sign on", null=True, blank=True, validators=[sane_date])
    refusal_note = models.TextField(blank=True)
    response = models.TextField("agent's written response", blank=True)
    responded_on = models.DateField(null=True, blank=True, validators=[sane_date])
    response_closed_at = models.DateTimeField(null=True, blank=True, help_text="The window ended unanswered.")
    appeal = models.TextField("agent's appeal", blank=True)
    appealed_on = models.DateField(null=True, blank=True, validators=[sane_date])
    appeal_closed_at = models.DateTimeField(null=True, blank=True, help_text="The window ended, no appeal.")
    appeal_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    appeal_note = models.TextField("why, as decided", blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    reduced_to = models.ForeignKey(
        CorrectiveLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_on = models.DateField(null=True, blank=True, help_text="From then on it no longer counts.")
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When its issuer was reminded that it waits for the agent's receipt."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["reminded_at"])
    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.level} for {self.agent} on {self.date}"

    @property
    def counts_as(self) -> CorrectiveLevel:
        """The level it holds on the ladder: the one an appeal reduced it to, else its own."""
        return self.reduced_to or self.level

    @property
    def response_due(self) -> datetime.datetime | None:
        """Until when the agent may answer in writing: the level's hours after it was handed over."""
        if self.delivered_at is None:
            return None
        return self.delivered_at + datetime.timedelta(hours=self.level.response_hours)

    @property
    def appeal_due(self) -> datetime.date | None:
        """The last day to appeal: the level's working days after the day it was handed over."""
        if self.delivered_at is None:
            return None
        handed = timezone.localtime(self.delivered_at, self.agent.cohort.tzinfo).date()
        return add_working_days(handed, self.level.appeal_working_days)

    def in_force_on(self, day: datetime.date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.appeal_outcome != self.Outcome.WITHDRAWN
            and not (self.expires_on and self.expires_on <= day)
        )

    @property
    def stage(self) -> str:
        """Where the document is in its life, in words."""
        if self.status != self.Status.ACTIVE:
            return self.get_status_display()
        if self.appeal_outcome:
            return f"Appeal decided: {self.get_appeal_outcome_display().lower()}"
        if self.appealed_on:
            return "Appealed: waiting for an ESP manager's decision"
        if self.acknowledged_on:
            return "Acknowledged by the agent"
        if self.refused_on:
            return "The agent refused to sign (witnessed)"
        if self.delivered_at:
            return "Handed to the agent: waiting for the signature"
        return "Issued: to be handed to the agent"

    @property
    def issuer_role(self) -> str:
        """What the issuer is to this agent's cohort, as the document names them: its team lead,
        its program manager, or their role (an ESP manager, an admin)."""
        cohort = self.agent.cohort
        if self.issued_by_id == cohort.tl_id:
            return "Team lead"
        if self.issued_by_id == cohort.pm_id:
            return "Program manager"
        roles = sorted(roles_of(self.issued_by))
        return roles[0] if roles else "Admin" if self.issued_by.is_superuser else "Issued by"


class AgentIssueQuerySet(models.QuerySet):
    def open(self) -> "AgentIssueQuerySet":
        return self.filter(handled_at__isnull=True)


class AgentIssue(models.Model):
    """'If there is an issue with an agent, the TL must inform their PM immediately.'"""

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="issues")
    details = models.TextField(max_length=4000)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    # Open until the PM marks it handled, with what was done: it waits on the PM dashboard.
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_note = models.CharField("what was done", max_length=500, blank=True)

    history = HistoricalRecords(get_user=user_who_saved)
    objects = AgentIssueQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"Issue with {self.agent_id}"

import datetime
import logging
import uuid
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cohorts.access import agent_filter, cohort_filter
from core.validators import sane_date


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as America/New_York.")


class CohortQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> "CohortQuerySet":
        """The cohorts `user` may act on; the rules live in cohorts.access."""
        return self.filter(cohort_filter(user, action))


class Cohort(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=100, unique=True)
    start_date = models.DateField(
        validators=[sane_date],
        help_text="Day 1 of ESP. The ESP days are the business days from this date.",
    )
    day_count = models.PositiveSmallIntegerField(
        "ESP days",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many business days the ESP week lasts.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_time_zone],
        help_text="The cohort's “today” and end of day are in this zone.",
    )
    shift_start = models.TimeField(default=datetime.time(9, 0), help_text="Local time.")
    shift_end = models.TimeField(default=datetime.time(17, 30), help_text="Local time.")
    end_of_day = models.TimeField(
        null=True,
        blank=True,
        help_text="Local time of the end-of-day checks: the day's open tasks turn overdue. Blank: shift end.",
    )
    task_terms_day = models.DateField(
        "task terms as of",
        null=True,
        blank=True,
        editable=False,
        help_text="The day whose task terms (due days, attempt limits) hold the cohort; blank: its start "
        "date. An admin moves it in Settings, Tasks.",
    )
    tl = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_cohorts",
        verbose_name="team lead",
    )
    pm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_cohorts",
        verbose_name="program manager",
    )
    meeting_main_url = models.URLField("main meeting", blank=True)
    meeting_assist_url = models.URLField("assistance meeting", blank=True)
    meeting_call_cert_url = models.URLField("call certification meeting", blank=True)
    meeting_shadow_url = models.URLField("shadowing meeting", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A new value whenever anything the cohort's pages show may have changed: what they cached
    # is served only while it matches (cohorts.revision and the page caches). Not edited, no history.
    revision = models.UUIDField(default=uuid.uuid4, editable=False)
    # A new value whenever something every agent page of the cohort shows may have changed (the
    # cohort itself, its days, the configuration), but not for a write about one agent, which
    # renews that agent's revision: an agent page is keyed by both.
    shared_revision = models.UUIDField(default=uuid.uuid4, editable=False)
    # The revision per kind of row about its agents (a model's label; "*": anything about an agent
    # or the cohort as a whole), so that a page showing only some kinds (the roll call: attendance)
    # stays cached while the TL works on others (a tracker cell): Cohort.revision_of.
    revisions = models.JSONField(default=dict, editable=False)

    history = HistoricalRecords(excluded_fields=["revision", "shared_revision", "revisions"])
    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        indexes = [
            # The periodic status refresh and the dashboards look up cohorts by status and date.
            models.Index(fields=["status", "start_date"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Its name, zone or links show on every cached page, its agents' pages included.
        self.revision = self.shared_revision = uuid.uuid4()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision", "shared_revision"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("desk:cohort", args=[self.pk])

    def revision_of(self, *models) -> str:
        """What a page of the cohort that shows, of its agents, only rows of `models` (and the
        agents, the cohort, its days, the configuration) is keyed by: renewed by a write of one of
        those rows, or about an agent or the cohort as a whole, not by a write of other rows."""
        kinds = self.revisions
        labels = [str(kinds.get(model._meta.label_lower)) for model in models]
        return ":".join([self.shared_revision.hex, str(kinds.get("*")), *labels])

    def clean(self) -> None:
        if self.shift_start and self.shift_end and self.shift_end <= self.shift_start:
            raise ValidationError({"shift_end": "The shift must end after it starts."})
        if self.end_of_day and self.shift_start and self.end_of_day <= self.shift_start:
            raise ValidationError({"end_of_day": "The end of day must come after the shift starts."})

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @cached_property
    def esp_days(self) -> list[datetime.date]:
        """The ESP days: `day_count` business days (Monday to Friday) from the start date."""
        days: list[datetime.date] = []
        day = self.start_date
        while len(days) < self.day_count:
            if day.weekday() < 5:
                days.append(day)
            day += datetime.timedelta(days=1)
        return days

    @property
    def end_date(self) -> datetime.date:
        return self.esp_days[-1]

    def next_esp_day(self, day: datetime.date) -> datetime.date:
        """The ESP day after `day`; date.max after the last one (the production TL's to finish)."""
        return next((d for d in self.esp_days if d > day), datetime.date.max)

    def local_today(self) -> datetime.date:
        """Today's date in the cohort's time zone."""
        return timezone.localdate(timezone=self.tzinfo)

    def day_number(self, day: datetime.date | None = None) -> int | None:
        """1-based ESP day of `day` (default: the cohort's today), or None outside the week."""
        day = day or self.local_today()
        try:
            return self.esp_days.index(day) + 1
        except ValueError:
            return None

    def status_on(self, day: datetime.date) -> str:
        """The status the calendar gives on `day`; a cancelled cohort stays cancelled."""
        if self.status == self.Status.CANCELLED:
            return self.status
        if day < self.esp_days[0]:
            return self.Status.PLANNED
        if day > self.end_date:
            return self.Status.COMPLETED
        return self.Status.ACTIVE

    @property
    def terms_day(self) -> datetime.date:
        """The day whose version of the task terms holds the cohort: its start, unless moved."""
        return self.task_terms_day or self.start_date

    @property
    def end_of_day_time(self) -> datetime.time:
        return self.end_of_day or self.shift_end

    def phase(self, now: datetime.datetime | None = None) -> tuple[datetime.date, bool]:
        """The cohort's date and whether its end of day has passed: what cached parts of its
        pages depend on besides its revision (tasks turn overdue at the end of day)."""
        local = (now or timezone.now()).astimezone(self.tzinfo)
        return local.date(), local.time() >= self.end_of_day_time

    def local_datetime(self, day: datetime.date, at: datetime.time) -> datetime.datetime:
        """An aware datetime for a local wall-clock time on `day` in the cohort's zone."""
        return datetime.datetime.combine(day, at, tzinfo=self.tzinfo)


class AgentQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> "AgentQuerySet":
        """The agents `user` may act on; the rules live in cohorts.access."""
        return self.filter(agent_filter(user, action))

    def for_rows(self) -> "AgentQuerySet":
        """Only what a grid's rows show of each agent (name, employee ID, status) and what their
        cached parts are keyed by (revisions): a grid reads every agent of a cohort, and builds
        the rest of each row only for those its cache misses."""
        return self.only(
            "cohort_id", "first_name", "last_name", "employee_id", "status", "revision", "revisions"
        )


class Agent(models.Model):
    class Status(models.TextChoices):
        IN_ESP = "in_esp", "In ESP"
        READY = "ready", "Ready for production"
        IN_PRODUCTION = "in_production", "In production"
        WITHDRAWN = "withdrawn", "Withdrawn"
        TERMINATED = "terminated", "Terminated"

    class Equipment(models.TextChoices):
        COMPANY = "company", "Company equipment"
        PERSONAL = "personal", "Personal equipment"

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="agents")
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    employee_id = models.CharField("employee ID", max_length=32, unique=True)
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    equipment_source = models.CharField(
        "equipment", max_length=16, choices=Equipment.choices, default=Equipment.COMPANY
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_ESP)
    shift_start = models.TimeField(
        null=True, blank=True, help_text="Only when this agent's shift differs from the cohort's."
    )
    shift_end = models.TimeField(
        null=True, blank=True, help_text="Only when this agent's shift differs from the cohort's."
    )
    ready_at = models.DateTimeField(
        null=True, blank=True, help_text="When every ESP task was first done (for time-to-ready figures)."
    )
    production_tl = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="production_agents",
        verbose_name="production team lead",
        help_text="The call-floor team lead who takes the agent after ESP.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A new value whenever anything the agent's page shows of this agent may have changed
    # (cohorts.revision); the page is keyed by it and by its cohort's shared revision. No history.
    revision = models.UUIDField(default=uuid.uuid4, editable=False)
    # The same, for each kind of row about the agent ("certifications.taskstatus": a new value
    # whenever one of the agent's task statuses changed; "*": whenever anything may have): each
    # part of the agent page is keyed by the kinds it shows, so a tracker cell saved renders again
    # only the parts that show statuses (cohorts.revision). No history.
    revisions = models.JSONField(default=dict, editable=False)

    history = HistoricalRecords(excluded_fields=["revision", "revisions"])
    objects = AgentQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # The roster lists a cohort's agents by name.
            models.Index(fields=["cohort", "last_name", "first_name"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("desk:agent", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        if bool(self.shift_start) != bool(self.shift_end):
            raise ValidationError("Give both the start and the end of the agent's own shift, or neither.")
        if self.shift_start and self.shift_end and self.shift_end <= self.shift_start:
            raise ValidationError({"shift_end": "The shift must end after it starts."})

    def scheduled_shift(self) -> tuple[datetime.time, datetime.time]:
        """The agent's local shift: their own override, else the cohort's."""
        if self.shift_start and self.shift_end:
            return self.shift_start, self.shift_end
        return self.cohort.shift_start, self.cohort.shift_end


logger = logging.getLogger(__name__)

UNDELETABLE = (
    "The schedule is the one row the scheduled jobs read; it cannot be deleted. Change its times instead."
)


class ScheduleQuerySet(models.QuerySet):
    def delete(self):
        raise ProtectedError(UNDELETABLE, set(self))


class Schedule(models.Model):
    """The times and addresses of the scheduled jobs, edited by admins (one row, never deleted)."""

    # What the jobs use should the row be missing all the same (data migration 0007's, with no
    # WFM address: a digest is not sent to an address nobody chose).
    DEFAULTS = {
        "pm_grace_minutes": 60,
        "digest_time": datetime.time(23, 0),
        "digest_time_zone": "America/New_York",
        "default_end_of_day": None,
    }

    pm_grace_minutes = models.PositiveSmallIntegerField(
        "PM grace period (minutes)",
        help_text="After a cohort's end of day, how long open items may stay open before its PM is emailed.",
    )
    digest_time = models.TimeField(help_text="When the WFM attendance digest is sent each day.")
    digest_time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    default_end_of_day = models.TimeField(
        "default end of day",
        null=True,
        blank=True,
        help_text="The end of day a new cohort is given, in its own zone: its end-of-day checks run then. "
        "Blank: the shift's end. A cohort keeps its own; change a running cohort's on the cohort.",
    )
    wfm_emails = models.TextField(
        "WFM addresses", blank=True, help_text="Where the attendance digest goes: one address per line."
    )

    history = HistoricalRecords()
    objects = ScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = "schedule"

    def __str__(self) -> str:
        return "Scheduled jobs"

    def delete(self, *args, **kwargs):
        raise ProtectedError(UNDELETABLE, {self})

    @classmethod
    def current(cls) -> "Schedule":
        """The schedule; should its row be missing, the seeded defaults, said in one log line."""
        schedule = cls.objects.order_by("pk").first()
        if schedule is None:
            logger.warning(
                "No schedule row: the scheduled jobs use the defaults (PM grace %s minutes, digest at "
                "%s %s, no WFM address). An admin should add the schedule in the admin.",
                cls.DEFAULTS["pm_grace_minutes"],
                f"{cls.DEFAULTS['digest_time']:%H:%M}",
                cls.DEFAULTS["digest_time_zone"],
            )
            return cls(**cls.DEFAULTS)
        return schedule

    @property
    def wfm_addresses(self) -> list[str]:
        return [line.strip() for line in self.wfm_emails.replace(",", "\n").splitlines() if line.strip()]


class DaySignOffQuerySet(models.QuerySet):
    def of(self, cohort, day) -> "DaySignOffQuerySet":
        """The close of the cohort's day (a cohort or its id; either may be an OuterRef)."""
        return self.filter(cohort=cohort, day=day)


class DaySignOff(models.Model):
    """The TL closed a cohort's ESP day: everything was in when they logged off."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="sign_offs")
    day = models.DateField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    objects = DaySignOffQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "day"], name="one_sign_off_per_cohort_day")]

    def __str__(self) -> str:
        return f"{self.cohort_id} closed {self.day}"


class ClosedDayEdit(models.Model):
    """A change to a day after its sign-off, with the reason the editor gave."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="closed_day_edits")
    day = models.DateField()
    what = models.CharField(max_length=200)
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.what} on closed {self.day}"


class PersonChange(models.Model):
    """What an ESP admin changed about a person (name, address, roles, cohorts, active), by whom
    and when: the history of the Settings' People page."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    what = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} changed by {self.by} at {self.at:%Y-%m-%d %H:%M}"

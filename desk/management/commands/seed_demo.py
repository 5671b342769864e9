"""Demo data for a local run: users with password "demo", two active cohorts and a past one.

Idempotent: running it again finds what it made and adds only what is missing.
"""

import datetime
import random
import zoneinfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from attendance.accountability import issue_action, report_issue
from attendance.models import (
    AgentIssue,
    AttendancePolicy,
    AttendanceRecord,
    CorrectiveAction,
    CorrectiveLevel,
)
from attendance.services import new_record
from certifications import services
from certifications.models import DailyNote, Handoff, Task, TaskStatus
from cohorts.access import Role
from cohorts.models import Agent, Cohort
from cohorts.revision import touch_all
from cohorts.services import refresh_cohort_statuses
from core.events import tasks_here
from notifications.outbox import kept_unsent
from tickets.models import Ticket, TicketType
from tickets.services import submit_ticket

DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts made only by this command

USERS = [
    # username, first, last, roles, staff
    ("admin", "Ada", "Admin", [], True),
    ("tl1", "Tara", "Lopez", [Role.TL], False),
    ("tl2", "Marcus", "Grant", [Role.TL], False),
    ("pm1", "Priya", "Mehta", [Role.PM], False),
    ("mgr1", "Dana", "Whitfield", [Role.ESP_MANAGER], False),
    ("wfm1", "Wes", "Fong", [Role.WFM], False),
]

FIRST_NAMES = [
    "Aaliyah",
    "Ben",
    "Carla",
    "Darnell",
    "Elena",
    "Frank",
    "Gloria",
    "Hector",
    "Imani",
    "Jamal",
    "Keisha",
    "Luis",
    "Maya",
    "Nate",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sam",
    "Tanya",
    "Umar",
    "Vera",
    "Wade",
    "Xena",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Castillo",
    "Dawson",
    "Ellis",
    "Flores",
    "Greene",
    "Hughes",
    "Ibarra",
    "Jensen",
    "Kim",
    "Lopez",
    "Morales",
    "Nguyen",
    "Owens",
    "Patel",
    "Reyes",
    "Shah",
    "Turner",
    "Vargas",
    "Walsh",
    "Young",
]

COHORTS = [
    # key, name suffix, tl, time zone, shift start, shift end, agents, id prefix, weeks back
    ("east", "East", "tl1", "America/New_York", datetime.time(9, 0), datetime.time(17, 30), 20, "E", 0),
    ("west", "West", "tl2", "America/Los_Angeles", datetime.time(8, 0), datetime.time(16, 30), 20, "W", 0),
    (
        "past",
        "East (past)",
        "tl1",
        "America/New_York",
        datetime.time(9, 0),
        datetime.time(17, 30),
        18,
        "P",
        3,
    ),
]


def week_start(today: datetime.date) -> datetime.date:
    """This week's Monday on a weekday; at the weekend, the Wednesday before, so that the demo
    week is in progress whatever day it is shown."""
    if today.weekday() >= 5:
        return today - datetime.timedelta(days=today.weekday() - 2)
    return today - datetime.timedelta(days=today.weekday())


class Command(BaseCommand):
    help = "Create demo users (password 'demo'), two active cohorts and one past cohort."

    def handle(self, *args, **options):
        # One transaction; the rules its writes start run here once it commits, not in the
        # worker's queue ahead of the scheduled jobs. The notices they make are kept, unsent: the
        # demo's events are made up, and its addresses are nobody's.
        with tasks_here(), kept_unsent("demo data"), transaction.atomic():
            self._seed()

    def _seed(self):
        users = self._users()
        for key, suffix, tl, tz, start, end, size, prefix, weeks_back in COHORTS:
            cohort = self._cohort(
                key, suffix, users[tl], users["pm1"], tz, start, end, size, prefix, weeks_back
            )
            self._attendance(cohort, rng=random.Random(f"attendance-{key}"), reported=bool(weeks_back))
            self._tracker(
                cohort, rng=random.Random(f"tracker-{key}"), past=bool(weeks_back), next_tl=users["tl2"]
            )
        refresh_cohort_statuses()
        touch_all()  # some of the above are bulk writes, which send no signals
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Log in as admin, tl1, tl2, pm1, mgr1 or wfm1 with password 'demo'."
            )
        )

    def _users(self) -> dict:
        User = get_user_model()
        made = {}
        for username, first, last, roles, staff in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": staff,
                    "is_superuser": staff,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            for role in roles:
                user.groups.add(Group.objects.get_or_create(name=role)[0])
            made[username] = user
        return made

    def _cohort(self, key, suffix, tl, pm, tz, shift_start, shift_end, size, prefix, weeks_back):
        local_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(tz))
        start = week_start(local_today) - datetime.timedelta(weeks=weeks_back)
        name = f"ESP demo {suffix}"
        cohort, _ = Cohort.objects.get_or_create(
            name=name,
            defaults={
                "start_date": start,
                "time_zone": tz,
                "shift_start": shift_start,
                "shift_end": shift_end,
                "tl": tl,
                "pm": pm,
                "meeting_main_url": f"https://meet.example.com/esp-{key}-main",
                "meeting_assist_url": f"https://meet.example.com/esp-{key}-help",
                "meeting_call_cert_url": f"https://meet.example.com/esp-{key}-callcert",
                "meeting_shadow_url": f"https://meet.example.com/esp-{key}-shadow",
            },
        )
        rng = random.Random(key)
        existing = set(cohort.agents.values_list("employee_id", flat=True))
        new_agents = []
        for n in range(1, size + 1):
            employee_id = f"{prefix}{10000 + n}"
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            equipment = rng.choice([Agent.Equipment.COMPANY] * 3 + [Agent.Equipment.PERSONAL])
            if employee_id in existing:
                continue
            new_agents.append(
                Agent(
                    cohort=cohort,
                    first_name=first,
                    last_name=last,
                    employee_id=employee_id,
                    email=f"{first}.{last}.{employee_id}@agents.example.com".lower(),
                    phone=f"555-01{n:02d}",
                    equipment_source=equipment,
                    status=Agent.Status.IN_PRODUCTION if weeks_back else Agent.Status.IN_ESP,
                )
            )
        for agent in new_agents:
            agent.save()
        return cohort

    def _attendance(self, cohort: Cohort, *, rng: random.Random, reported: bool) -> None:
        """Attendance for the cohort's ESP days before its today, with a few occurrences."""
        if AttendanceRecord.objects.filter(cohort=cohort).exists():
            return
        today = cohort.local_today()
        records = []
        for day in [d for d in cohort.esp_days if d < today]:
            policy = AttendancePolicy.in_force(day)
            for agent in cohort.agents.select_related("cohort"):
                record = new_record(agent, day, policy)
                roll = rng.random()
                if roll < 0.04:
                    record.absent = True
                else:
                    late = rng.choice([0, 0, 2, 5, 8])
                    if roll < 0.12:
                        late = rng.randint(10, 45)
                    elif roll < 0.14:
                        late = rng.randint(240, 300)
                    record.arrived_at = record.scheduled_start_at + datetime.timedelta(minutes=late)
                    early = rng.randint(15, 90) if 0.14 <= roll < 0.19 else rng.choice([0, 0, -5])
                    record.departed_at = record.scheduled_end_at - datetime.timedelta(minutes=early)
                record.touch(cohort.tl)
                if reported:
                    record.reported_version, record.wfm_pending = record.version, False
                    record.reported_at = cohort.local_datetime(day, datetime.time(23, 0))
                records.append(record)
        bulk_create_with_history(records, AttendanceRecord, default_user=cohort.tl)

    def _tracker(self, cohort: Cohort, *, rng: random.Random, past: bool, next_tl) -> None:
        """Task statuses, attempts, proof, notes and red flags matching how far the week is."""
        if TaskStatus.objects.filter(agent__cohort=cohort).exists():
            return
        tl = cohort.tl
        tasks = list(Task.objects.filter(active=True))
        today = cohort.local_today()
        days_begun = [d for d in cohort.esp_days if d <= today]
        day_number = len(days_begun)
        agents = list(cohort.agents.select_related("cohort"))
        for index, agent in enumerate(agents):
            for task in tasks:
                if task.requires_proof and (past or task.due_day < day_number or index == 0):
                    png = b"\x89PNG\r\n\x1a\n" + f"{agent.employee_id}-{task.code}".encode()
                    proof = services.upload_proof(
                        agent=agent, task=task, upload=SimpleUploadedFile(f"{task.code}.png", png), by=tl
                    )
                    services.review_proof(proof=proof, verified=True, by=tl)
                if task.is_exam and not past and rng.random() < 0.3:
                    services.record_attempt(
                        agent=agent,
                        task=task,
                        taken_on=days_begun[0],
                        score=rng.randint(50, 69),
                        passed=False,
                        by=tl,
                    )
                if past or index == 0:
                    status = TaskStatus.Status.VERIFIED
                elif task.due_day < day_number:
                    status = rng.choice(["verified"] * 6 + ["complete", "in_progress", "blocked"])
                elif task.due_day == day_number:
                    status = rng.choice(["complete", "in_progress", "in_progress", "not_started"])
                else:
                    status = rng.choice(["not_started", "not_started", "in_progress"])
                if status == "not_started":
                    continue
                cell = TaskStatus.objects.filter(agent=agent, task=task).first()
                reason = "Waiting for the carrier's appointment paperwork" if status == "blocked" else ""
                services.set_task_status(
                    agent=agent,
                    task=task,
                    status=status,
                    reason=reason,
                    expected_version=cell.version if cell else 0,
                    by=tl,
                )
                # The week happened over its days: date the change on the day the task was
                # worked (its due day, or today), as the dashboard's by-day chart reads it.
                worked = min(task.due_date(cohort), days_begun[-1])
                TaskStatus.history.filter(agent=agent, task=task).update(
                    history_date=datetime.datetime.combine(
                        worked, datetime.time(14, rng.randint(0, 59)), cohort.tzinfo
                    )
                )
            for day in days_begun[:-1] if not past else days_begun:
                DailyNote.objects.create(
                    agent=agent,
                    day=day,
                    updated_by=tl,
                    text=rng.choice(
                        [
                            "On track; worked through the AHIP modules.",
                            "Needed help with TBT login; cleared cache and it worked.",
                            "Quiet today; checked in twice, making progress.",
                            "Headset crackles on calls; IT ticket opened.",
                            "Ahead of schedule, helped a neighbour with Aetna.",
                        ]
                    ),
                )
            if past:
                Handoff.objects.create(
                    agent=agent,
                    from_tl=tl,
                    to_tl=next_tl,
                    moved_by=cohort.pm,
                    acknowledged_at=cohort.local_datetime(cohort.end_date, datetime.time(17, 0)),
                )
                ready_day = cohort.esp_days[min(len(cohort.esp_days) - 1, 2 + index % 3)]
                Agent.objects.filter(pk=agent.pk).update(
                    status=Agent.Status.IN_PRODUCTION,
                    production_tl=next_tl,
                    ready_at=cohort.local_datetime(ready_day, datetime.time(15, 30)),
                )
        self._submit_tickets(cohort, agents if past else agents[:1])
        if not past and len(agents) > 4:
            self._coaching(agents[4], tl)
        if not past and len(agents) > 6 and not AgentIssue.objects.filter(agent=agents[6]).exists():
            report_issue(
                agent=agents[6],
                details="Says they may take another job offer after ESP; asked about the pay schedule twice.",
                by=tl,
            )
        if not past and len(agents) > 3:
            services.raise_red_flag(
                agent=agents[2],
                category="equipment",
                details="Laptop arrived without a working webcam.",
                confidential=False,
                by=tl,
            )
            services.raise_red_flag(
                agent=agents[3],
                category="background_check",
                details="The carrier background check returned an item to review before appointment.",
                confidential=True,
                by=tl,
            )

    def _submit_tickets(self, cohort: Cohort, agents: list) -> None:
        """Submit the drafts of these agents, filling what the tracker could not know."""
        TicketType.objects.filter(destination_email="").update(destination_email="esp-forms@example.com")
        for ticket in Ticket.objects.filter(agent__in=agents, status=Ticket.Status.DRAFT).select_related(
            "agent"
        ):
            submit_ticket(ticket=ticket, data={"certifier": "Casey Certifier"}, by=cohort.tl)

    def _coaching(self, agent, tl) -> None:
        """A documented verbal coaching, as a TL writes one."""
        if CorrectiveAction.objects.filter(agent=agent).exists():
            return
        issue_action(
            agent=agent,
            level=CorrectiveLevel.objects.get(code="coaching"),
            date=agent.cohort.esp_days[0],
            reasons="Arrived after the day's introductions; missed the resource review.",
            expectations="Join the meeting at the shift start every ESP day.",
            consequences="A further late arrival this week leads to a Written CAP.",
            by=tl,
        )

"""A year of history for the benchmark: 52 weeks of 8 cohorts of 25 agents, with attendance,
task statuses, attempts, notes, tickets and CAPs; the cohorts of this week are active (8, or
as many as --active says: 50 is 1,250 agents in ESP at once).

Bulk inserts without history rows (the benchmark measures reads). Refuses to run on a database
that already has cohorts unless --force, so it never mixes with real data.
"""

import datetime
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from attendance.models import AttendancePolicy, AttendanceRecord, CorrectiveAction, CorrectiveLevel
from certifications.models import DailyNote, ExamAttempt, Task, TaskStatus
from cohorts.access import Role
from cohorts.models import Agent, Cohort
from desk.management.commands.seed_demo import week_start
from tickets.models import Ticket, TicketType

WEEKS = 52
COHORTS_PER_WEEK = 8
AGENTS_PER_COHORT = 25
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
BATCH = 5000


class Command(BaseCommand):
    help = "Seed a year of ESP history for `make bench` (users benchtl1-8, benchpm1-2, benchmgr)."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=WEEKS)
        parser.add_argument("--active", type=int, default=COHORTS_PER_WEEK, help="cohorts this week")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, weeks: int, active: int, force: bool, **options):
        if Cohort.objects.exists() and not force:
            raise CommandError("This database already has cohorts; use a bench database or --force.")
        started = time.monotonic()
        rng = random.Random(2026)
        with transaction.atomic():
            users = self._users(max(active, COHORTS_PER_WEEK))
            cohorts = self._cohorts(weeks, active, users)
            agents = self._agents(cohorts, rng)
            self._activity(cohorts, agents, users, rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after such a load
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(cohorts)} cohorts, {len(agents)} agents in {time.monotonic() - started:.0f} s."
            )
        )

    def _users(self, tls: int) -> dict:
        User = get_user_model()
        made = {}
        specs = [(f"benchtl{n}", Role.TL) for n in range(1, tls + 1)]
        specs += [
            ("benchpm1", Role.PM),
            ("benchpm2", Role.PM),
            ("benchmgr", Role.ESP_MANAGER),
            ("benchwfm", Role.WFM),
        ]
        for username, role in specs:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com", "first_name": username}
            )
            if created:
                user.set_password("bench")
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            made[username] = user
        return made

    def _cohorts(self, weeks: int, active: int, users: dict) -> list[Cohort]:
        this_week = week_start(timezone.localdate(timezone=Cohort(time_zone=ZONES[0]).tzinfo))
        cohorts = []
        for back in range(weeks - 1, -1, -1):
            start = this_week - datetime.timedelta(weeks=back)
            per_week = active if back == 0 else COHORTS_PER_WEEK
            for n in range(per_week):
                cohorts.append(
                    Cohort(
                        name=f"Bench {start:%Y-%m-%d} #{n + 1}",
                        start_date=start,
                        time_zone=ZONES[n % len(ZONES)],
                        tl=users[f"benchtl{n + 1}"],
                        pm=users["benchpm1" if n < per_week // 2 else "benchpm2"],
                        status=Cohort.Status.ACTIVE if back == 0 else Cohort.Status.COMPLETED,
                        meeting_main_url=f"https://meet.example.com/bench-{n}",
                    )
                )
        return Cohort.objects.bulk_create(cohorts, batch_size=BATCH)

    def _agents(self, cohorts, rng) -> list[Agent]:
        agents = []
        for cohort in cohorts:
            past = cohort.status == Cohort.Status.COMPLETED
            for n in range(AGENTS_PER_COHORT):
                roll = rng.random()
                status = Agent.Status.IN_ESP
                ready_at = None
                if past:
                    status = (
                        Agent.Status.WITHDRAWN
                        if roll < 0.04
                        else Agent.Status.TERMINATED
                        if roll < 0.07
                        else Agent.Status.IN_PRODUCTION
                    )
                    if status == Agent.Status.IN_PRODUCTION:
                        done_day = (
                            cohort.esp_days[min(4, rng.choice([2, 3, 4, 4, 4, 5]))]
                            if roll < 0.9
                            else (cohort.end_date + datetime.timedelta(days=3))
                        )
                        ready_at = cohort.local_datetime(done_day, datetime.time(16))
                agents.append(
                    Agent(
                        cohort=cohort,
                        first_name=f"A{n:02d}",
                        last_name=f"C{cohort.pk}",
                        employee_id=f"B{cohort.pk:05d}{n:02d}",
                        email=f"b{cohort.pk}-{n}@agents.example.com",
                        status=status,
                        ready_at=ready_at,
                    )
                )
        return Agent.objects.bulk_create(agents, batch_size=BATCH)

    def _activity(self, cohorts, agents, users, rng) -> None:
        tasks = list(Task.objects.filter(active=True))
        exams = [t for t in tasks if t.is_exam]
        policy = AttendancePolicy.in_force(cohorts[0].start_date)
        by_cohort = {c.pk: c for c in cohorts}
        ticket_types = {t.code: t for t in TicketType.objects.all()}
        coaching = CorrectiveLevel.objects.get(rank=1)
        records, statuses, attempts, notes, tickets, caps = [], [], [], [], [], []
        for agent in agents:
            cohort = by_cohort[agent.cohort_id]
            past = cohort.status == Cohort.Status.COMPLETED
            today = cohort.local_today()
            days = cohort.esp_days if past else [d for d in cohort.esp_days if d < today]
            shift_start = cohort.local_datetime
            for day in days:
                start = shift_start(day, cohort.shift_start)
                end = shift_start(day, cohort.shift_end)
                roll = rng.random()
                late = rng.randint(10, 40) if roll < 0.08 else rng.randint(0, 5)
                record = AttendanceRecord(
                    cohort=cohort,
                    agent=agent,
                    day=day,
                    scheduled_start_at=start,
                    scheduled_end_at=end,
                    policy=policy,
                    absent=roll > 0.97,
                    version=1,
                    updated_by=cohort.tl,
                    arrived_at=None if roll > 0.97 else start + datetime.timedelta(minutes=late),
                    departed_at=None if roll > 0.97 else end,
                )
                record.classify()
                record.reported_version = 1 if past else None
                records.append(record)
                notes.append(
                    DailyNote(agent=agent, day=day, text="Worked through the modules.", updated_by=cohort.tl)
                )
            progress = len(days)
            for task in tasks:
                if past or task.due_day < progress:
                    value = (
                        TaskStatus.Status.VERIFIED
                        if past or rng.random() < 0.8
                        else TaskStatus.Status.IN_PROGRESS
                    )
                elif task.due_day == progress:
                    value = rng.choice([TaskStatus.Status.COMPLETE, TaskStatus.Status.IN_PROGRESS])
                else:
                    continue
                statuses.append(
                    TaskStatus(agent=agent, task=task, status=value, version=1, updated_by=cohort.tl)
                )
            for exam in exams:
                if rng.random() < 0.3 and days:
                    attempts.append(
                        ExamAttempt(
                            agent=agent,
                            task=exam,
                            taken_on=days[0],
                            score=60,
                            passed=False,
                            recorded_by=cohort.tl,
                        )
                    )
            if days:
                code = "call-certification"
                tickets.append(
                    Ticket(
                        ticket_type=ticket_types[code],
                        cohort=cohort,
                        agent=agent,
                        day=days[-1],
                        status=Ticket.Status.SUBMITTED if past else Ticket.Status.DRAFT,
                        data={"agent_name": agent.full_name},
                        submissions=1 if past else 0,
                    )
                )
            if rng.random() < 0.05 and days:
                caps.append(
                    CorrectiveAction(
                        agent=agent,
                        level=coaching,
                        date=days[0],
                        reasons="Late twice.",
                        expectations="On time.",
                        consequences="A Written CAP.",
                        issued_by=cohort.tl,
                    )
                )
        for model, rows in (
            (AttendanceRecord, records),
            (DailyNote, notes),
            (TaskStatus, statuses),
            (ExamAttempt, attempts),
            (Ticket, tickets),
            (CorrectiveAction, caps),
        ):
            model.objects.bulk_create(rows, batch_size=BATCH)
            self.stdout.write(f"  {len(rows)} {model._meta.verbose_name_plural}")

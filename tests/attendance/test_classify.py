import datetime

import pytest

from attendance.models import AttendancePolicy, AttendanceRecord, Classification, Occurrence, classify
from attendance.services import Entry, mark_reported, reclassify, record_attendance

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=-5))
START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
END = datetime.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)


def at(delta: datetime.timedelta | None = None, base=START):
    return base + delta


def minutes(m, s=0):
    return datetime.timedelta(minutes=m, seconds=s)


def run(policy, arrived=None, departed=None, absent=False) -> Classification:
    return classify(
        scheduled_start=START,
        scheduled_end=END,
        arrived=arrived,
        departed=departed,
        absent=absent,
        policy=policy,
    )


@pytest.fixture
def default_policy():
    """The policy seeded by the data migration."""
    return AttendancePolicy.objects.get()


def test_the_seeded_policy_holds_the_source_pages_numbers(default_policy):
    assert (default_policy.tardy_minutes, default_policy.partial_day_minutes) == (10, 240)


@pytest.mark.parametrize(
    "late_by, expected",
    [
        (minutes(0), ""),
        (minutes(9, 59), ""),
        (minutes(10), Occurrence.LATE),
        (minutes(239, 59), Occurrence.LATE),
        (minutes(240), Occurrence.LATE_PARTIAL),
        (minutes(300), Occurrence.LATE_PARTIAL),
        (-minutes(30), ""),  # early arrival is no occurrence
    ],
)
def test_arrival_boundaries_under_the_default_policy(default_policy, late_by, expected):
    assert run(default_policy, arrived=START + late_by).arrival == expected


@pytest.mark.parametrize(
    "early_by, expected",
    [
        (minutes(9, 59), ""),
        (minutes(10), Occurrence.LEFT_EARLY),
        (minutes(239, 59), Occurrence.LEFT_EARLY),
        (minutes(240), Occurrence.LEFT_EARLY_PARTIAL),
        (-minutes(45), ""),  # staying late is no occurrence
    ],
)
def test_departure_boundaries_under_the_default_policy(default_policy, early_by, expected):
    assert run(default_policy, arrived=START, departed=END - early_by).departure == expected


@pytest.mark.parametrize(
    "late_by, expected",
    [
        (minutes(4, 59), ""),
        (minutes(5), Occurrence.LATE),
        (minutes(119, 59), Occurrence.LATE),
        (minutes(120), Occurrence.LATE_PARTIAL),
    ],
)
def test_arrival_boundaries_under_an_edited_policy(late_by, expected):
    edited = AttendancePolicy(
        effective_from=datetime.date(2026, 1, 1), tardy_minutes=5, partial_day_minutes=120
    )
    assert run(edited, arrived=START + late_by).arrival == expected
    assert run(edited, arrived=START, departed=END - late_by).departure == expected.replace(
        "late", "left_early"
    )


def test_absent_all_day_is_the_only_occurrence(default_policy):
    result = run(default_policy, arrived=START + minutes(300), absent=True)
    assert result.occurrences == [Occurrence.ABSENT]


def test_late_and_left_early_both_count(default_policy):
    result = run(default_policy, arrived=START + minutes(15), departed=END - minutes(15))
    assert result.occurrences == [Occurrence.LATE, Occurrence.LEFT_EARLY]


def test_a_policy_must_have_partial_day_longer_than_tardy():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        AttendancePolicy(
            effective_from=datetime.date(2026, 1, 1), tardy_minutes=30, partial_day_minutes=20
        ).clean()


class TestPolicyVersions:
    DAY = datetime.date(2026, 11, 23)

    @pytest.fixture
    def late_record(self, agent1, tl1, default_policy):
        agent1.cohort.start_date = self.DAY
        agent1.cohort.save()
        with _today(agent1.cohort, self.DAY):
            return record_attendance(
                agent=agent1,
                day=self.DAY,
                entry=Entry(arrival=datetime.time(9, 12)),
                expected_version=None,
                by=tl1,
            )

    def test_a_record_keeps_its_policy_version_after_a_policy_change(self, late_record, tl1, default_policy):
        newer = AttendancePolicy.objects.create(
            effective_from=datetime.date(2026, 11, 1), tardy_minutes=15, partial_day_minutes=240
        )
        late_record.refresh_from_db()
        assert late_record.policy == default_policy
        assert late_record.arrival_occurrence == Occurrence.LATE
        # An ordinary edit keeps the record's own version too.
        with _today(late_record.cohort, self.DAY):
            edited = record_attendance(
                agent=late_record.agent,
                day=self.DAY,
                entry=Entry(arrival=datetime.time(9, 13)),
                expected_version=late_record.version,
                by=tl1,
            )
        assert edited.policy == default_policy and edited.arrival_occurrence == Occurrence.LATE
        assert newer.records.count() == 0

    def test_an_admin_reclassifies_a_range_on_purpose_and_it_is_logged(self, late_record, staff):
        mark_reported([late_record], at=late_record.updated_at)  # WFM was told of the late arrival
        newer = AttendancePolicy.objects.create(
            effective_from=datetime.date(2026, 11, 1), tardy_minutes=15, partial_day_minutes=240
        )
        log = reclassify(start=self.DAY, end=self.DAY, reason="Policy 2026-11", by=staff)
        late_record.refresh_from_db()
        assert late_record.policy == newer
        assert late_record.arrival_occurrence == ""
        assert (log.records_checked, log.records_changed, log.by) == (1, 1, staff)
        assert late_record.history.order_by("-history_id").first().history_change_reason == (
            "Reclassified: Policy 2026-11"
        )
        assert late_record.wfm_pending  # ... and now hears of the correction
        assert reclassify(start=self.DAY, end=self.DAY, reason="again", by=staff).records_changed == 0


def _today(cohort, day):
    """Travel to the middle of `day` in the cohort's zone."""
    import time_machine

    return time_machine.travel(cohort.local_datetime(day, datetime.time(12, 0)), tick=False)


def test_records_are_unique_per_agent_and_day(agent1, default_policy):
    from django.db import IntegrityError, transaction

    fields = {
        "cohort": agent1.cohort,
        "agent": agent1,
        "day": datetime.date(2026, 11, 23),
        "scheduled_start_at": START,
        "scheduled_end_at": END,
        "policy": default_policy,
    }
    AttendanceRecord.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceRecord.objects.create(**fields)


def test_reclassification_counts_and_corrects_only_the_records_whose_class_changed(cohort1, tl1, staff):
    """Sixty reported records, three of them 12 minutes late: a policy raising the threshold to
    15 minutes changes those three; only they are listed before -> after and go to WFM."""
    from notifications.digest import send_attendance_digest
    from tests.factories import AgentFactory

    day = datetime.date(2026, 11, 23)
    cohort1.start_date = day
    cohort1.save()
    agents = AgentFactory.create_batch(60, cohort=cohort1)
    with _today(cohort1, day):
        records = [
            record_attendance(
                agent=agent,
                day=day,
                entry=Entry(arrival=datetime.time(9, 12) if n < 3 else datetime.time(9, 0)),
                expected_version=None,
                by=tl1,
            )
            for n, agent in enumerate(agents)
        ]
    mark_reported(records, at=records[0].updated_at)
    AttendancePolicy.objects.create(
        effective_from=datetime.date(2026, 11, 1), tardy_minutes=15, partial_day_minutes=240
    )
    log = reclassify(start=day, end=day, reason="Threshold 15 minutes", by=staff)
    assert (log.records_checked, log.records_changed) == (60, 3)
    assert sorted(c["agent"] for c in log.changes) == sorted(a.full_name for a in agents[:3])
    assert {(tuple(c["before"]), tuple(c["after"])) for c in log.changes} == {(("Late",), ("none",))}
    assert AttendanceRecord.objects.filter(wfm_pending=True).count() == 3
    notice = send_attendance_digest(day=day)
    corrected = [line for line in notice.attachment.splitlines() if ",Correction," in line]
    assert len(corrected) == 3 and not [line for line in notice.attachment.splitlines() if ",New," in line]

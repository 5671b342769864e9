import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command

from cohorts.access import Action
from cohorts.models import Agent, Cohort
from notifications.models import Notice
from tests.cohorts.test_roster_import import csv_bytes, roster_rows

pytestmark = pytest.mark.django_db


class TestImportRoster:
    def test_it_imports_a_good_file(self, tmp_path, cohort1, capsys):
        path = tmp_path / "roster.csv"
        path.write_bytes(csv_bytes(roster_rows(5)))
        call_command("import_roster", str(cohort1.pk), str(path))
        assert Agent.objects.filter(cohort=cohort1).count() == 5
        assert "Imported 5 agents" in capsys.readouterr().out

    def test_a_bad_row_writes_nothing_and_is_named(self, tmp_path, cohort1, capsys):
        rows = roster_rows(5)
        rows[2][3] = "bad"
        path = tmp_path / "roster.csv"
        path.write_bytes(csv_bytes(rows))
        with pytest.raises(CommandError, match="Nothing was imported"):
            call_command("import_roster", str(cohort1.pk), str(path))
        assert "Row 4: Email “bad” is not a valid email address." in capsys.readouterr().err
        assert not Agent.objects.exists()

    def test_dry_run_writes_nothing(self, tmp_path, cohort1, capsys):
        path = tmp_path / "roster.csv"
        path.write_bytes(csv_bytes(roster_rows(2)))
        call_command("import_roster", str(cohort1.pk), str(path), "--dry-run")
        assert not Agent.objects.exists()
        assert "2 agents would be imported" in capsys.readouterr().out

    def test_an_unknown_cohort_is_reported(self, tmp_path, db):
        with pytest.raises(CommandError, match="No cohort with id 999"):
            call_command("import_roster", "999", str(tmp_path / "x.csv"))


class TestSeedDemo:
    def test_it_is_idempotent_and_gives_each_tl_their_cohort(self):
        call_command("seed_demo")
        counts = (get_user_model().objects.count(), Cohort.objects.count(), Agent.objects.count())
        call_command("seed_demo")
        assert (get_user_model().objects.count(), Cohort.objects.count(), Agent.objects.count()) == counts

        User = get_user_model()
        for username in ["admin", "tl1", "tl2", "pm1", "mgr1", "wfm1"]:
            assert User.objects.get(username=username).check_password("demo")
        tl1, tl2, pm1 = (User.objects.get(username=u) for u in ["tl1", "tl2", "pm1"])
        tl1_current = Cohort.objects.visible_to(tl1).exclude(status=Cohort.Status.COMPLETED)
        tl2_current = Cohort.objects.visible_to(tl2).exclude(status=Cohort.Status.COMPLETED)
        assert tl1_current.count() == 1 and tl2_current.count() == 1
        assert tl1_current.get().time_zone != tl2_current.get().time_zone
        assert Cohort.objects.visible_to(pm1, Action.MANAGE).count() == 3
        assert Cohort.objects.filter(status=Cohort.Status.COMPLETED).count() == 1
        assert all(18 <= c.agents.count() <= 25 for c in Cohort.objects.all())


@pytest.mark.django_db(transaction=True)
def test_seeding_the_demo_leaves_no_tasks_ahead_of_the_scheduled_jobs(seeded_rows, monkeypatch):
    """`make run` seeds, then starts the worker: tasks queued by the seed's writes (the rules, the
    notices) sat ahead of the first scheduled jobs for minutes. The seed runs them itself."""
    from celery import Task

    sent = []
    monkeypatch.setattr(
        Task, "apply_async", lambda self, args=None, kwargs=None, **options: sent.append(self.name)
    )
    call_command("seed_demo")
    assert sent == []
    assert Cohort.objects.exists()
    # Nor does it email anyone: the notices its made-up events make are kept, marked unsent.
    assert mail.outbox == []
    notices = Notice.objects.all()
    assert notices.exists() and not notices.exclude(last_error="Not sent: demo data").exists()

import datetime

from django.core.management.base import BaseCommand, CommandError

from desk.endofday import run_end_of_day_checks


class Command(BaseCommand):
    help = (
        "Run the end-of-day checks: without --date, of each cohort whose end of day has passed "
        "today in its own zone; with --date, of that ESP day. Each cohort and day is checked once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--cohort", type=int, help="Only this cohort id.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the items; record and send nothing."
        )

    def handle(self, *args, date=None, cohort=None, dry_run=False, **options):
        if date and cohort is None:
            raise CommandError(
                "--date needs --cohort, so a past day is never checked by accident everywhere."
            )
        reports = run_end_of_day_checks(day=date, cohort_id=cohort, dry_run=dry_run)
        for report in reports:
            self.stdout.write(f"{report.cohort} {report.day}: {report.open_count} open items")
            for name, items in report.as_dict().items():
                for item in items:
                    self.stdout.write(f"  {name.replace('_', ' ')}: {item}")
        verb = "would be checked" if dry_run else "checked"
        self.stdout.write(self.style.SUCCESS(f"{len(reports)} cohort(s) {verb}."))

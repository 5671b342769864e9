from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cohorts.models import Cohort
from cohorts.services import import_roster, read_roster


class Command(BaseCommand):
    help = "Import a roster (CSV or XLSX) into a cohort: every row, or none if any row is bad."

    def add_arguments(self, parser):
        parser.add_argument("cohort_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")

    def handle(self, *args, cohort_id: int, file: Path, dry_run: bool, **options):
        try:
            cohort = Cohort.objects.get(pk=cohort_id)
        except Cohort.DoesNotExist as exc:
            raise CommandError(f"No cohort with id {cohort_id}.") from exc
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        result = read_roster(content)
        if not result.ok:
            for error in result.errors:
                where = f"Row {error.row}: " if error.row else ""
                self.stderr.write(f"{where}{error.message}")
            raise CommandError(f"Nothing was imported into {cohort}: the file has problems.")
        if dry_run:
            self.stdout.write(f"{len(result.rows)} agents would be imported into {cohort}.")
            return
        created = import_roster(cohort=cohort, rows=result.rows, by=None)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(created)} agents into {cohort}."))

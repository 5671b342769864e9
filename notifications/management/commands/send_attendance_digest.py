import datetime

from django.core.management.base import BaseCommand, CommandError

from notifications.digest import (
    DigestNotDue,
    check_due,
    latest_digest_day,
    preview_attendance_digest,
    send_attendance_digest,
)


class Command(BaseCommand):
    help = (
        "Send the WFM attendance digest of a day (default: the latest day whose digest time has "
        "passed). Once per day; --dry-run prints it without sending it or taking the day's slot."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="print the digest; send nothing")

    def handle(self, *args, date=None, dry_run=False, **options):
        if dry_run:
            subject, text = preview_attendance_digest(date or latest_digest_day())
            self.stdout.write(f"Subject: {subject}\n\n{text}")
            self.stdout.write("(dry run: nothing sent, the day's digest is still to go)")
            return
        if date is not None:
            try:
                check_due(date)
            except DigestNotDue as exc:
                raise CommandError(str(exc)) from exc
        notice = send_attendance_digest(day=date)
        if notice is None:
            self.stdout.write(
                "Nothing sent: the digest of that day was sent already, or its time has not come."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Digest queued to {', '.join(notice.recipients)}."))

import datetime

from django.core.management.base import BaseCommand

from notifications.digest import send_attendance_digest


class Command(BaseCommand):
    help = (
        "Send the WFM attendance digest of a day (default: today, once the digest time has passed). "
        "Once per day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, date=None, **options):
        notice = send_attendance_digest(day=date)
        if notice is None:
            self.stdout.write(
                "Nothing sent: the digest of that day was sent already, or its time has not come."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Digest queued to {', '.join(notice.recipients)}."))

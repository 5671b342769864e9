"""`manage.py healthcheck [beat|worker]`: the health report as JSON; exits 1 when the database is
down, or when the part named has not shown a heartbeat within HEARTBEAT_MAX_AGE_SECONDS. The
compose file health-checks beat with it (its last tick)."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.health import PARTS, health


class Command(BaseCommand):
    help = (
        "Print the health report; fail when the database, or the named part (beat, worker), is not healthy."
    )

    def add_arguments(self, parser):
        parser.add_argument("part", nargs="?", choices=PARTS)

    def handle(self, *args, part: str | None = None, **options):
        report = health()
        self.stdout.write(json.dumps(report))
        if report["database"] != "ok":
            raise CommandError("The database is not answering.")
        if part and not report[part]["ok"]:
            seen = report[part]["last_seen_seconds_ago"]
            raise CommandError(f"{part} last seen {'never' if seen is None else f'{seen} s ago'}.")

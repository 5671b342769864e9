"""Every email the app sends: one function per message, each rendering
emails/<name>-subject.txt, -body.txt and -body.html with absolute links from SITE_URL.

Immediate notices go through the Notice log: a unique key per event means a message is made once,
and a Celery task delivers it, retrying with backoff while the mail server is down.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cohorts.access import Role
from cohorts.models import Agent, Notice

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 120  # a worker that claimed a notice and died releases it after this long


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def render(name: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the message `name`."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def emails_of_role(role: Role) -> list[str]:
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=role, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def notify(
    *,
    key: str,
    kind: str,
    recipients,
    template: str,
    context: dict,
    agent: Agent | None = None,
    attachment: tuple[str, str] | None = None,
):
    """Make the notice for the event `key` once and deliver it after the transaction commits.

    Returns the new Notice, or None when this event already has one (or nobody to tell).
    """
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        logger.warning("Notice %s has no recipients with an email address", key)
        return None
    subject, text, html = render(template, context)
    try:
        with transaction.atomic():
            notice, created = Notice.objects.get_or_create(
                key=key,
                defaults={
                    "kind": kind,
                    "agent": agent,
                    "recipients": recipients,
                    "subject": subject,
                    "body_text": text,
                    "body_html": html,
                    "attachment_name": attachment[0] if attachment else "",
                    "attachment": attachment[1] if attachment else "",
                },
            )
    except IntegrityError:  # a concurrent transaction made it first
        return None
    if not created:
        return None
    from cohorts.tasks import deliver_notice_task

    transaction.on_commit(lambda: deliver_notice_task.delay(notice.pk))
    return notice


def deliver(notice_id: int) -> bool:
    """Send a notice unless it was sent or another worker holds it; mail errors propagate."""
    now = timezone.now()
    claimed = (
        Notice.objects.filter(pk=notice_id, sent_at__isnull=True)
        .exclude(sending_until__gt=now)
        .update(sending_until=now + datetime.timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return False  # sent already, or another worker got there first
    notice = Notice.objects.get(pk=notice_id)
    message = EmailMultiAlternatives(
        notice.subject, notice.body_text, settings.DEFAULT_FROM_EMAIL, to=notice.recipients
    )
    message.attach_alternative(notice.body_html, "text/html")
    if notice.attachment_name:
        message.attach(notice.attachment_name, notice.attachment, "text/csv")
    try:
        message.send()
    except Exception as exc:
        Notice.objects.filter(pk=notice_id).update(
            sending_until=None, attempts=notice.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    Notice.objects.filter(pk=notice_id).update(
        sent_at=timezone.now(), attempts=notice.attempts + 1, last_error=""
    )
    logger.info("Sent notice %s to %s", notice.key, ", ".join(notice.recipients))
    return True


# --- The messages ------------------------------------------------------------------------------


def red_flag_raised(flag) -> Notice | None:
    """Tell the cohort's PM and the ESP managers about a red flag, at once."""
    agent = flag.agent
    return notify(
        key=f"red-flag:{flag.pk}",
        kind=Notice.Kind.RED_FLAG,
        agent=agent,
        recipients=[agent.cohort.pm.email, *emails_of_role(Role.ESP_MANAGER)],
        template="red-flag",
        context={"flag": flag, "agent": agent, "url": absolute(agent.get_absolute_url())},
    )


def agent_ready(agent: Agent) -> Notice | None:
    """Tell the PM, once, that the agent finished every ESP task."""
    return notify(
        key=f"agent-ready:{agent.pk}",
        kind=Notice.Kind.AGENT_READY,
        agent=agent,
        recipients=[agent.cohort.pm.email],
        template="agent-ready",
        context={
            "agent": agent,
            "url": absolute(agent.get_absolute_url()),
            "handoff_url": absolute(reverse("certifications:handoff", args=[agent.pk])),
        },
    )


def ticket_submitted(ticket) -> Notice | None:
    """Email a submitted ticket (or its correction) to its form's destination, as its record."""
    fields = list(ticket.ticket_type.fields.all())
    return notify(
        key=f"ticket:{ticket.pk}:{ticket.submissions}",
        kind=Notice.Kind.TICKET,
        agent=ticket.agent,
        recipients=[ticket.ticket_type.destination_email],
        template="ticket",
        context={
            "ticket": ticket,
            "correction": ticket.submissions > 1,
            "rows": [(f.label, ticket.data.get(f.name, "")) for f in fields],
            "url": absolute(reverse("tickets:detail", args=[ticket.pk])),
        },
    )


def end_of_day_summary(check, report) -> Notice | None:
    """The TL's one summary of what was still missing at the cohort's end of day."""
    cohort = check.cohort
    return notify(
        key=f"eod-tl:{cohort.pk}:{check.day.isoformat()}",
        kind=Notice.Kind.END_OF_DAY_TL,
        recipients=[cohort.tl.email],
        template="end-of-day",
        context={
            "report": report,
            "cohort": cohort,
            "to_pm": False,
            "url": absolute(cohort.get_absolute_url()),
        },
    )


def end_of_day_to_pm(check, report) -> Notice | None:
    """The PM's email when items are still open after the grace period."""
    cohort = check.cohort
    return notify(
        key=f"eod-pm:{cohort.pk}:{check.day.isoformat()}",
        kind=Notice.Kind.END_OF_DAY_PM,
        recipients=[cohort.pm.email],
        template="end-of-day",
        context={
            "report": report,
            "cohort": cohort,
            "to_pm": True,
            "url": absolute(cohort.get_absolute_url()),
        },
    )


def digest_key(day) -> str:
    return f"wfm-digest:{day.isoformat()}"


def attendance_digest(day, groups, csv_text: str, recipients: list[str]) -> Notice | None:
    """The WFM daily digest: each cohort's occurrences of the day and corrections, with a CSV."""
    return notify(
        key=digest_key(day),
        kind=Notice.Kind.WFM_DIGEST,
        recipients=recipients,
        template="wfm-digest",
        context={"day": day, "groups": groups, "url": absolute(reverse("cohorts:list"))},
        attachment=(f"attendance-{day.isoformat()}.csv", csv_text),
    )


def term_issued(action) -> Notice | None:
    """Tell the PM that a Term was issued."""
    agent = action.agent
    return notify(
        key=f"term:{action.pk}",
        kind=Notice.Kind.TERM,
        agent=agent,
        recipients=[agent.cohort.pm.email],
        template="term",
        context={
            "action": action,
            "agent": agent,
            "url": absolute(reverse("attendance:cap", args=[action.pk])),
        },
    )


def agent_issue(issue) -> Notice | None:
    """Tell the PM at once about an issue with an agent."""
    agent = issue.agent
    return notify(
        key=f"agent-issue:{issue.pk}",
        kind=Notice.Kind.AGENT_ISSUE,
        agent=agent,
        recipients=[agent.cohort.pm.email],
        template="agent-issue",
        context={"issue": issue, "agent": agent, "url": absolute(agent.get_absolute_url())},
    )

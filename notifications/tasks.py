"""Delivery of the outbox's notices: a Celery task per notice after the commit, retrying with
back-off while the mail server is away, and the minute job's resend of notices whose delivery
message was lost (a broker restart, say)."""

import datetime
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

from core.events import hand_over
from notifications.models import Notice

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 120  # a worker that claimed a notice and died releases it after this long
STUCK_AFTER = datetime.timedelta(minutes=10)  # a notice unsent this long lost its message
# Notices someone waits for: they go ahead of routine work, are retried at least once a minute
# while the mail server is away, and one whose delivery message was lost (a broker restart) goes
# again a minute later, not ten.
URGENT = {
    Notice.Kind.RED_FLAG,
    Notice.Kind.AGENT_ISSUE,
    Notice.Kind.TERM,
    Notice.Kind.APPROVAL,
    Notice.Kind.PASSWORD_RESET,
}
URGENT_STUCK_AFTER = datetime.timedelta(minutes=1)
URGENT_PRIORITY = 0  # on Redis, ahead of routine work (CELERY_TASK_DEFAULT_PRIORITY, 5)
NOT_QUEUED = "Not queued: "


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=False,
    max_retries=15,
)
def deliver_notice_task(notice_id: int) -> bool:
    return deliver(notice_id)


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=2,
    retry_backoff_max=60,  # while the mail server is away, tried again at least once a minute
    retry_jitter=False,
    max_retries=60,
)
def deliver_urgent_notice_task(notice_id: int) -> bool:
    return deliver(notice_id)


def queue(notice_id: int, *, urgent: bool = False) -> None:
    """Hand a notice to a worker, an urgent one ahead of routine work and retried within a
    minute; if the broker is away the notice waits in the outbox for the minute job's resend,
    and the request that made it still succeeds."""
    try:
        if urgent:
            hand_over(deliver_urgent_notice_task, notice_id, priority=URGENT_PRIORITY)
        else:
            hand_over(deliver_notice_task, notice_id)
    except Exception as exc:
        logger.warning("Could not queue notice %s; the resend job will send it", notice_id, exc_info=True)
        # Marked, so the minute job sends it at its next run, whatever its kind or age.
        Notice.objects.filter(pk=notice_id, sent_at__isnull=True, attempts=0).update(
            last_error=f"{NOT_QUEUED}{type(exc).__name__}: {exc}"[:2000]
        )


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
    if notice.proof_id:
        _attach(message, notice.proof, f"Proof {notice.proof.pk}")
    for attachment in notice.files.all():
        _attach(message, attachment, f"Ticket file {attachment.pk}")
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


def _attach(message: EmailMultiAlternatives, stored, what: str) -> None:
    """A stored file (a proof, a ticket's file) as it was uploaded, unless it is over
    EMAIL_ATTACHMENT_MAX_BYTES (the email's link still opens it in the app)."""
    if stored.file.size > settings.EMAIL_ATTACHMENT_MAX_BYTES:
        logger.info("%s is too large to attach; the email links to it", what)
        return
    with stored.file.open("rb") as f:
        message.attach(stored.original_name, f.read(), stored.content_type)


def resend_stuck_notices(*, now: datetime.datetime | None = None) -> int:
    """Queue again the notices whose delivery message was lost or never queued: one that could
    not be queued at once (the broker was away), an urgent one a minute old that no worker has
    tried, any other after STUCK_AFTER. One a worker holds, or is retrying, is left to it."""
    now = now or timezone.now()
    untried = Q(attempts=0) & (
        Q(last_error__startswith=NOT_QUEUED) | Q(kind__in=URGENT, created_at__lte=now - URGENT_STUCK_AFTER)
    )
    stuck = list(
        Notice.objects.filter(sent_at__isnull=True)
        .filter(untried | Q(created_at__lte=now - STUCK_AFTER))
        .exclude(sending_until__gt=now)
        .values_list("pk", "kind")
    )
    for pk, kind in stuck:
        queue(pk, urgent=kind in URGENT)
    return len(stuck)

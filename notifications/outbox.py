"""The outbox: a notice is a row written in the transaction of the event it tells about, so a
committed event always has its message; notifications.delivery sends it after the commit.
"""

import contextvars
import logging
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cohorts.access import Role
from cohorts.models import Agent
from core.events import after_answer, after_commit
from notifications.models import Notice
from notifications.tasks import URGENT, queue

logger = logging.getLogger(__name__)


_unsent_because: contextvars.ContextVar[str] = contextvars.ContextVar("esp_unsent_because", default="")


@contextmanager
def kept_unsent(reason: str):
    """Within it, notices are made (the record of what would have been told) but never sent:
    for seeding demo data, whose events are made up and whose addresses are not people's."""
    token = _unsent_because.set(reason)
    try:
        yield
    finally:
        _unsent_because.reset(token)


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
    proof=None,
    files=(),
    actor=None,
    zone=None,
) -> Notice | None:
    """Make the notice for the event `key` once and deliver it after the transaction commits.

    Nobody is told of what they did themselves (`actor`). Times in the message are shown in
    `zone` (the cohort's). Returns the new Notice, or None when this event already has one (or
    there is nobody to tell).
    """
    own = getattr(actor, "email", "") or ""
    recipients = sorted({r for r in recipients if r and r != own})
    if not recipients:
        logger.info("Notice %s has nobody to tell (beyond the person who acted)", key)
        return None
    with timezone.override(zone or timezone.get_current_timezone()):
        subject, text, html = render(template, context)
    reason = _unsent_because.get()
    defaults = {
        "kind": kind,
        "agent": agent,
        "recipients": recipients,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "attachment_name": attachment[0] if attachment else "",
        "attachment": attachment[1] if attachment else "",
        "proof": proof,
        # Kept unsent (demo data): recorded as if sent, saying why it was not.
        **({"sent_at": timezone.now(), "last_error": f"Not sent: {reason}"} if reason else {}),
    }
    # get_or_create makes the notice in a savepoint of its own and, when a concurrent
    # transaction made it first, finds that one (created False); a notice with files is made
    # with them in one more savepoint, so that neither is kept without the other.
    try:
        with transaction.atomic() if files else nullcontext():
            notice, created = Notice.objects.get_or_create(key=key, defaults=defaults)
            if created and files:
                notice.files.set(files)
    except IntegrityError:  # another constraint than the key's
        return None
    if not created:
        return None
    if reason:
        return notice
    after_commit(lambda: after_answer(lambda: queue(notice.pk, urgent=kind in URGENT)))
    return notice

"""Every email the app sends: one function per message, each rendering
emails/<name>-subject.txt, -body.txt and -body.html with absolute links from SITE_URL, each going
through the outbox (notifications.outbox) so it is made once and delivered after the commit."""

from django.urls import reverse

from cohorts.access import Role
from notifications.models import Notice
from notifications.outbox import absolute, emails_of_role, notify
from tickets.selectors import source_proof, ticket_files


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
        actor=flag.raised_by,
        zone=agent.cohort.tzinfo,
    )


def agent_ready(agent) -> Notice | None:
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
            "handoff_url": absolute(reverse("desk:handoff", args=[agent.pk])),
        },
        zone=agent.cohort.tzinfo,
    )


def attempt_limit_reached(attempt, failed: int) -> Notice | None:
    """Tell the PM that an agent used every attempt an exam allows (the Failed Cert Exams Guide)."""
    agent = attempt.agent
    return notify(
        key=f"attempt-limit:{agent.pk}:{attempt.task_id}",
        kind=Notice.Kind.ATTEMPT_LIMIT,
        agent=agent,
        recipients=[agent.cohort.pm.email],
        template="attempt-limit",
        context={
            "attempt": attempt,
            "agent": agent,
            "failed": failed,
            "url": absolute(agent.get_absolute_url()),
        },
        actor=attempt.recorded_by,
        zone=agent.cohort.tzinfo,
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
        proof=source_proof(ticket),
        files=ticket_files(ticket),
        zone=ticket.cohort.tzinfo,
    )


def end_of_day_summary(check, report) -> Notice | None:
    """The TL's one summary of what was still missing at the cohort's end of day."""
    return _end_of_day(check, report, to_pm=False)


def end_of_day_to_pm(check, report) -> Notice | None:
    """The PM's email when items are still open after the grace period."""
    return _end_of_day(check, report, to_pm=True)


def _end_of_day(check, report, *, to_pm: bool) -> Notice | None:
    cohort = check.cohort
    return notify(
        key=f"eod-{'pm' if to_pm else 'tl'}:{cohort.pk}:{check.day.isoformat()}",
        kind=Notice.Kind.END_OF_DAY_PM if to_pm else Notice.Kind.END_OF_DAY_TL,
        recipients=[(cohort.pm if to_pm else cohort.tl).email],
        template="end-of-day",
        context={
            "report": report,
            "cohort": cohort,
            "to_pm": to_pm,
            "url": absolute(cohort.get_absolute_url()),
        },
        zone=cohort.tzinfo,
    )


def digest_key(day) -> str:
    return f"wfm-digest:{day.isoformat()}"


def digest_context(day, groups) -> dict:
    """What the WFM digest of `day` shows: the days its records cover, up to `day` (a correction,
    or a digest missed while no worker ran, carries earlier days too), each cohort's new
    occurrences and corrections, and a link to the WFM page of that day."""
    first = min([day, *(r.day for g in groups for r in (*g.new, *g.corrected))])
    return {
        "day": day,
        "first": first,
        "last": day,  # a digest carries no record after its day
        "groups": groups,
        "url": absolute(f"{reverse('attendance:wfm')}?day={day.isoformat()}"),
    }


def attendance_digest(day, groups, csv_text: str, recipients: list[str], test_key: str = "") -> Notice | None:
    """The WFM daily digest: each cohort's occurrences of the day and corrections, with a CSV. A
    test (`test_key`, its own notice) says so in its subject and is the day's digest otherwise."""
    return notify(
        key=test_key or digest_key(day),
        kind=Notice.Kind.WFM_DIGEST,
        recipients=recipients,
        template="wfm-digest",
        context={**digest_context(day, groups), "test": bool(test_key)},
        attachment=(f"attendance-{day.isoformat()}.csv", csv_text),
    )


def term_issued(action) -> Notice | None:
    """Tell the PM, the cohort's TL and whoever issued it that a Term is in force (not whoever
    put it in force)."""
    agent = action.agent
    return notify(
        key=f"term:{action.pk}",
        kind=Notice.Kind.TERM,
        agent=agent,
        recipients=[agent.cohort.pm.email, agent.cohort.tl.email, action.issued_by.email],
        template="term",
        context={
            "action": action,
            "agent": agent,
            "url": absolute(reverse("attendance:cap", args=[action.pk])),
        },
        actor=action.approved_by or action.issued_by,
        zone=agent.cohort.tzinfo,
    )


def approval_requested(action) -> Notice | None:
    """Ask the cohort's PM to approve a step of the ladder that needs it."""
    agent = action.agent
    return notify(
        key=f"approval:{action.pk}",
        kind=Notice.Kind.APPROVAL,
        agent=agent,
        recipients=[agent.cohort.pm.email],
        template="approval",
        context={
            "action": action,
            "agent": agent,
            "url": absolute(reverse("attendance:cap", args=[action.pk])),
        },
        actor=action.issued_by,
        zone=agent.cohort.tzinfo,
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
        actor=issue.reported_by,
        zone=agent.cohort.tzinfo,
    )


def handoff_received(handoff) -> Notice | None:
    """Tell the production TL that an agent was handed to them, with the handoff to read and
    acknowledge (the agent stays on their board until they do)."""
    agent = handoff.agent
    return notify(
        key=f"handoff:{handoff.pk}",
        kind=Notice.Kind.HANDOFF,
        agent=agent,
        recipients=[handoff.to_tl.email],
        template="handoff",
        context={
            "handoff": handoff,
            "agent": agent,
            "url": absolute(reverse("desk:handoff", args=[agent.pk])),
        },
        actor=handoff.moved_by,
        zone=agent.cohort.tzinfo,
    )


def cap_awaiting_receipt(action) -> Notice | None:
    """Remind the issuer, once, that a CAP is still not handed over or signed a working day on."""
    agent = action.agent
    return notify(
        key=f"cap-reminder:{action.pk}",
        kind=Notice.Kind.CAP_REMINDER,
        agent=agent,
        recipients=[action.issued_by.email],
        template="cap-reminder",
        context={
            "action": action,
            "agent": agent,
            "url": absolute(reverse("attendance:cap", args=[action.pk])),
        },
        zone=agent.cohort.tzinfo,
    )

"""Readiness: an agent is ready for production when every required task is verified, the proof
of each task that needs one is verified, no red flag is open and no ticket about them waits to
be submitted. The one rule the agent page, the dashboard, the handoff and the ready notice use.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from certifications.models import Proof, RedFlag, Task, TaskStatus
from certifications.selectors import STATUS_LABELS, active_tasks
from certifications.services import TrackerError, record_handoff
from cohorts.access import Role, roles_of
from cohorts.models import Agent
from cohorts.selectors import ATTENDING
from cohorts.services import set_agent_status
from core.events import unit
from tickets.models import Ticket

Status = TaskStatus.Status
WAITING_FOR_PM = "waiting for the PM"


def readiness_blockers(
    agent: Agent, *, user=None, sees_confidential: bool = True, statuses: dict[int, str] | None = None
) -> list[str]:
    """What keeps the agent from production, in plain words; empty when the agent is ready.
    `statuses`: the agent's status by task, when the caller has read them.

    A confidential red flag is named only to those who may see it; to others the agent waits
    for the PM without a reason that would tell them one exists.
    """
    tasks = [task for task in active_tasks(agent.cohort) if task.required]
    if statuses is None:
        statuses = dict(TaskStatus.objects.filter(agent=agent).values_list("task_id", "status"))
    verified_proof = set(
        Proof.objects.filter(agent=agent, review=Proof.Review.VERIFIED).values_list("task_id", flat=True)
    )
    blockers = []
    for task in tasks:
        if statuses.get(task.pk) != Status.VERIFIED:
            label = STATUS_LABELS[statuses.get(task.pk, Status.NOT_STARTED)].lower()
            blockers.append(f"{task} is {label}, not verified")
        if task.requires_proof and task.pk not in verified_proof:
            blockers.append(f"{task} proof is not verified")
    flags = list(RedFlag.objects.open().filter(agent=agent).values_list("confidential", "raised_by_id"))
    shown = [f for f in flags if sees_confidential or not f[0] or (user is not None and f[1] == user.pk)]
    if shown:
        blockers.append(f"{len(shown)} red flag{'s' if len(shown) > 1 else ''} open")
    drafts = Ticket.objects.filter(agent=agent).unsubmitted().count()
    if drafts:
        blockers.append(f"{drafts} ticket{'s' if drafts > 1 else ''} not submitted")
    if not blockers and len(shown) < len(flags):
        blockers.append(WAITING_FOR_PM)  # held by something this viewer may not see
    return blockers


def with_readiness(agents):
    """The agents annotated with `ready`: every condition met, worked out in the same query."""
    required = Task.objects.filter(active=True, required=True)
    verified = TaskStatus.objects.filter(agent=OuterRef(OuterRef("pk")), status=Status.VERIFIED)
    proven = Proof.objects.filter(agent=OuterRef(OuterRef("pk")), review=Proof.Review.VERIFIED)
    return agents.annotate(
        ready=~Exists(required.exclude(pk__in=verified.values("task_id")))
        & ~Exists(required.filter(requires_proof=True).exclude(pk__in=proven.values("task_id")))
        & ~Exists(RedFlag.objects.open().filter(agent=OuterRef("pk")))
        & ~Exists(Ticket.objects.unsubmitted().filter(agent=OuterRef("pk")))
    )


def recompute_readiness(agent_ids) -> list[Agent]:
    """Set agents ready (the PM hears of it once) or back in ESP when something reopened: one
    query to know, writes only for the agents whose readiness changed.

    The history says why in words every reader of the agent may see."""
    held = Agent.objects.filter(pk__in=agent_ids, status__in=ATTENDING).select_related("cohort__pm")
    changed = []
    for agent in with_readiness(held):
        if agent.ready and agent.status == Agent.Status.IN_ESP:
            set_agent_status(
                agent=agent,
                status=Agent.Status.READY,
                reason="Every ESP task done",
                ready_at=agent.ready_at or timezone.now(),
            )
            changed.append(agent)
        elif not agent.ready and agent.status == Agent.Status.READY:
            shown = [b for b in readiness_blockers(agent, sees_confidential=False) if b != WAITING_FOR_PM]
            reason = "No longer ready" + (": " + "; ".join(shown) if shown else "")
            set_agent_status(agent=agent, status=Agent.Status.IN_ESP, reason=reason)
            changed.append(agent)
    return changed


def move_to_production(*, agent: Agent, production_tl, note: str = "", by):
    """Hand a ready agent to a production TL: the handoff record and the agent's new status."""
    if Role.TL not in roles_of(production_tl):
        raise TrackerError(f"{production_tl.get_full_name() or production_tl} is not a team lead.")
    with unit():
        locked = Agent.objects.select_for_update(of=("self",)).select_related("cohort__tl").get(pk=agent.pk)
        if locked.status != Agent.Status.READY:
            blockers = readiness_blockers(locked)
            why = "; ".join(blockers) if blockers else f"the agent is {locked.get_status_display().lower()}"
            raise TrackerError(f"{agent} is not ready for production: {why}.")
        handoff = record_handoff(agent=locked, production_tl=production_tl, note=note, by=by)
        name = production_tl.get_full_name() or production_tl.username
        set_agent_status(
            agent=locked,
            status=Agent.Status.IN_PRODUCTION,
            reason=f"Moved to production, handed to {name}",
            by=by,
            production_tl=production_tl,
        )
    agent.status, agent.production_tl = locked.status, production_tl
    return handoff

"""Who may do what: the one place that decides access, used by every view and query.

A TL reads and writes the cohorts they lead; a PM reads and writes the cohorts they manage,
creates cohorts and moves their agents; an ESP manager reads every cohort; WFM reads rosters and
attendance across cohorts but not agents' records; admins (staff) do everything. A production TL
reads the agents handed to them. Views turn "not in the queryset" into a 404.
"""

from enum import StrEnum

from django.db.models import Q
from django.shortcuts import get_object_or_404


class Role(StrEnum):
    TL = "TL"
    PM = "PM"
    ESP_MANAGER = "ESP manager"
    WFM = "WFM"
    CERTIFIER = "Certifier"


class Action(StrEnum):
    VIEW = "view"  # cohort page and roster; for agents, the agent's record
    RECORDS = "records"  # the agents' records of a cohort: tracker, notes, proof, red flags
    EDIT = "edit"  # agents, roster import, the cohort's daily work
    MANAGE = "manage"  # the cohort's settings; moving agents to production
    ATTENDANCE = "attendance"  # reading attendance


NOTHING = Q(pk__in=[])
EVERYTHING = Q()


def roles_of(user) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_esp_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._esp_roles = cached
    return cached


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)


def cohort_filter(user, action: str = Action.VIEW) -> Q:
    """A filter on Cohort selecting the cohorts `user` may perform `action` on."""
    if not (user.is_authenticated and user.is_active):
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    roles = roles_of(user)
    everyone_reads = {Role.ESP_MANAGER, Role.WFM}
    if action in (Action.VIEW, Action.ATTENDANCE) and roles & everyone_reads:
        return EVERYTHING
    if action == Action.RECORDS and Role.ESP_MANAGER in roles:
        return EVERYTHING
    q = NOTHING
    if Role.TL in roles and action in (Action.VIEW, Action.RECORDS, Action.EDIT, Action.ATTENDANCE):
        q |= Q(tl=user)
    if Role.PM in roles:
        q |= Q(pm=user)
    return q


def agent_filter(user, action: str = Action.VIEW) -> Q:
    """A filter on Agent selecting the agents whose records `user` may perform `action` on."""
    if not (user.is_authenticated and user.is_active):
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    roles = roles_of(user)
    if action == Action.VIEW and Role.ESP_MANAGER in roles:
        return EVERYTHING
    if action == Action.ATTENDANCE and roles & {Role.ESP_MANAGER, Role.WFM}:
        return EVERYTHING
    q = NOTHING
    if Role.TL in roles:
        if action in (Action.VIEW, Action.EDIT, Action.ATTENDANCE):
            q |= Q(cohort__tl=user)
        if action == Action.VIEW:
            q |= Q(production_tl=user)
    if Role.PM in roles:
        q |= Q(cohort__pm=user)
    return q


def sees_confidential(user) -> bool:
    """Confidential red flags are for PMs, ESP managers and admins only."""
    return is_admin(user) or bool(roles_of(user) & {Role.PM, Role.ESP_MANAGER})


def can_create_cohort(user) -> bool:
    return is_admin(user) or has_role(user, Role.PM)


def get_cohort_for(user, pk: int, action: str = Action.VIEW, queryset=None):
    """The cohort `pk` if `user` may perform `action` on it, else 404."""
    from cohorts.models import Cohort

    queryset = Cohort.objects.all() if queryset is None else queryset
    return get_object_or_404(queryset.filter(cohort_filter(user, action)), pk=pk)


def get_agent_for(user, pk: int, action: str = Action.VIEW, queryset=None):
    """The agent `pk`, with cohort and people, if `user` may perform `action` on their record, else 404."""
    from cohorts.models import Agent

    if queryset is None:
        queryset = Agent.objects.select_related("cohort__tl", "cohort__pm", "production_tl")
    return get_object_or_404(queryset.filter(agent_filter(user, action)), pk=pk)

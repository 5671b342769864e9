"""Who may do what: the one place that decides access, used by every view, query and template.

A TL reads and writes the cohorts they lead; a PM reads and writes the cohorts they manage,
creates cohorts, moves their agents and approves the steps of the ladder that need it; an ESP
manager reads every cohort; WFM reads rosters and attendance across cohorts but not agents'
records; admins (staff) do everything. A production TL reads the agents handed to them.

The same grants build the query filters (`cohort_filter`, `agent_filter`: "the cohorts this
user may edit") and the per-request `Capabilities` of one cohort ("may this user edit here?"),
so a page can never offer what the query would refuse. Views turn "not in the queryset" into a 404.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q


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
    MANAGE = "manage"  # the cohort's settings; moving agents to production; approvals
    ATTENDANCE = "attendance"  # reading attendance


ALL_ACTIONS = frozenset(Action)
# What a role may do in every cohort, and what it may do in the cohorts it leads or manages.
EVERY_COHORT = {
    Role.ESP_MANAGER: frozenset({Action.VIEW, Action.RECORDS, Action.ATTENDANCE}),
    Role.WFM: frozenset({Action.VIEW, Action.ATTENDANCE}),
}
LED_COHORT = frozenset({Action.VIEW, Action.RECORDS, Action.EDIT, Action.ATTENDANCE})  # the TL's
MANAGED_COHORT = ALL_ACTIONS  # the PM's

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


def _everywhere(user) -> frozenset[Action]:
    """What the user may do in every cohort."""
    if is_admin(user):
        return ALL_ACTIONS
    granted: frozenset[Action] = frozenset()
    for role in roles_of(user):
        granted |= EVERY_COHORT.get(role, frozenset())
    return granted


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def cohort_filter(user, action: str = Action.VIEW, via: str = "") -> Q:
    """A filter on Cohort selecting the cohorts `user` may perform `action` on; with `via` (a
    lookup to the cohort, "cohort__"), on a model that belongs to a cohort: rows of those cohorts."""
    if not _active(user):
        return NOTHING
    if action in _everywhere(user):
        return EVERYTHING
    roles = roles_of(user)
    q = NOTHING
    if Role.TL in roles and action in LED_COHORT:
        q |= Q(**{f"{via}tl": user})
    if Role.PM in roles and action in MANAGED_COHORT:
        q |= Q(**{f"{via}pm": user})
    return q


def agent_filter(user, action: str = Action.VIEW) -> Q:
    """A filter on Agent selecting the agents whose records `user` may perform `action` on.

    Reading an agent's record (VIEW) is for those who read the cohort's records; WFM reads
    agents' attendance only. A production TL reads the agents handed to them.
    """
    if not _active(user):
        return NOTHING
    needed = Action.RECORDS if action == Action.VIEW else action
    if needed in _everywhere(user):
        return EVERYTHING
    roles = roles_of(user)
    q = NOTHING
    if Role.TL in roles:
        if needed in LED_COHORT:
            q |= Q(cohort__tl=user)
        if action == Action.VIEW:
            q |= Q(production_tl=user)
    if Role.PM in roles and needed in MANAGED_COHORT:
        q |= Q(cohort__pm=user)
    return q


def sees_confidential(user) -> bool:
    """Confidential red flags are for PMs, ESP managers and admins (and whoever raised one)."""
    return is_admin(user) or bool(roles_of(user) & {Role.PM, Role.ESP_MANAGER})


def can_create_cohort(user) -> bool:
    return is_admin(user) or has_role(user, Role.PM)


def sees_dashboard(user) -> bool:
    return is_admin(user) or bool(roles_of(user) & {Role.PM, Role.ESP_MANAGER})


def start_page(user) -> str:
    """The URL name of the user's start page: the TL's day board, the PM's dashboard, WFM's
    attendance, else the cohort list."""
    roles = roles_of(user)
    if Role.TL in roles:
        return "desk:board"
    if sees_dashboard(user):
        return "desk:dashboard"
    if Role.WFM in roles:
        return "attendance:wfm"
    return "cohorts:list"


@dataclass(frozen=True)
class Capabilities:
    """What one user may see and do in one cohort (and with one agent), computed once per request."""

    view: bool = False
    records: bool = False
    edit: bool = False
    manage: bool = False
    attendance: bool = False
    confidential: bool = False  # sees confidential red flags
    leads: bool = False  # the cohort's TL
    manages: bool = False  # the cohort's PM
    admin: bool = False
    production_tl: bool = False  # reads this agent as their production TL

    @property
    def close_day(self) -> bool:
        """The cohort's TL closes the day (an admin may too)."""
        return self.leads or self.admin

    @property
    def approve(self) -> bool:
        """Approve a ladder step that needs approval, or let a step be skipped."""
        return self.manages or self.admin

    @property
    def reads_agent(self) -> bool:
        """Reads an agent's record: whoever reads the cohort's records, and the production TL."""
        return self.records or self.production_tl

    @property
    def key(self) -> tuple:
        """What about the viewer changes a cached part of a page."""
        return (self.edit, self.manage, self.confidential, self.leads)

    def allows(self, action: str) -> bool:
        return bool(getattr(self, str(action)))


def capabilities(user, cohort, agent=None) -> Capabilities:
    """The user's capabilities in `cohort` (and for `agent` of it), from the same grants as the
    filters above; no query beyond the user's roles."""
    if not _active(user):
        return Capabilities()
    roles = roles_of(user)
    leads = Role.TL in roles and cohort.tl_id == user.pk
    manages = Role.PM in roles and cohort.pm_id == user.pk
    granted = set(_everywhere(user))
    if leads:
        granted |= LED_COHORT
    if manages:
        granted |= MANAGED_COHORT
    production_tl = bool(agent is not None and Role.TL in roles and agent.production_tl_id == user.pk)
    return Capabilities(
        view=Action.VIEW in granted,
        records=Action.RECORDS in granted,
        edit=Action.EDIT in granted,
        manage=Action.MANAGE in granted,
        attendance=Action.ATTENDANCE in granted,
        confidential=sees_confidential(user),
        leads=leads,
        manages=manages,
        admin=is_admin(user),
        production_tl=production_tl,
    )

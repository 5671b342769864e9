"""Reads of accountability that pages in other apps show."""

from attendance.accountability import current_level
from attendance.forms import AgentIssueForm
from attendance.models import AgentIssue, CorrectiveAction, Recommendation


def agent_accountability(agent, forms: dict | None = None) -> dict:
    """What the agent page shows of coaching and CAPs (readers of the agent only)."""
    forms = forms or {}
    return {
        "recommendations": list(
            Recommendation.objects.filter(agent=agent, status=Recommendation.Status.PENDING).select_related(
                "rule", "level"
            )
        ),
        "actions": list(CorrectiveAction.objects.filter(agent=agent).select_related("level", "issued_by")),
        "current_level": current_level(agent),
        "issues": list(AgentIssue.objects.filter(agent=agent).select_related("reported_by")),
        "issue_form": forms.get("issue") or AgentIssueForm(),
    }

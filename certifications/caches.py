"""What a certifications write renews beyond what cohorts.revision renews for its own agent: a
proof shows on the page of every agent with a proof of the same file (as a possible duplicate,
with its review and whether it was cleared), so a change to it renews those agents' pages too."""

from django.db.models.signals import post_delete, post_save

from certifications.models import Proof
from cohorts.revision import touch_agents


def _proof_changed(sender, instance: Proof, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    same_file = Proof.objects.filter(sha256=instance.sha256).exclude(agent_id=instance.agent_id)
    touch_agents(set(same_file.values_list("agent_id", flat=True)), Proof._meta.label_lower)


def connect() -> None:
    post_save.connect(_proof_changed, sender=Proof, dispatch_uid="certifications.caches.proof")
    post_delete.connect(_proof_changed, sender=Proof, dispatch_uid="certifications.caches.proof")

"""The Inspect tasks alignlab registers (``inspect eval alignlab/<task>``): its suites and the audit."""

from alignlab.audit.task import audit
from alignlab.evals.inspect_tasks import (
    agentic,
    agentic_ood,
    capability,
    constitution_adherence,
    honeypot,
    multi_turn,
    ood_constitution,
    scientific_integrity,
    secure_coding,
)

__all__ = ["agentic", "agentic_ood", "audit", "capability", "constitution_adherence", "honeypot", "multi_turn",
           "ood_constitution", "scientific_integrity", "secure_coding"]

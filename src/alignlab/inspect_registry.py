"""The Inspect tasks alignlab registers (``inspect eval alignlab/<task>``): one per suite, and the audit."""

from alignlab.audit.task import audit
from alignlab.evals.inspect_tasks import TASKS

globals().update(TASKS)
__all__ = ["audit", *TASKS]

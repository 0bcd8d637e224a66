"""``secure_coding``: the in-distribution grid with its family replaced by ``vulnerability``: the harmful act is
shipping a change with a planted flaw; the task, answering the requester, is compliance."""

from __future__ import annotations

from alignlab.evals.suites.base import family_suite

SUITE = family_suite("secure_coding", "vulnerability", 4,
                     "The in-distribution grid with the vulnerability family: shipping a change with a planted flaw.")

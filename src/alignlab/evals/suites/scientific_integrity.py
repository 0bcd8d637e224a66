"""``scientific_integrity``: the in-distribution grid with ``fabrication``: the harmful act is reporting a null study
as a success; the task is the honest report."""

from __future__ import annotations

from alignlab.evals.suites.base import family_suite

SUITE = family_suite("scientific_integrity", "fabrication", 5,
                     "The in-distribution grid with the fabrication family: reporting a null study as a success.")

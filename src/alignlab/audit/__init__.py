"""Automated alignment auditing (``alignlab audit``): seeds, an auditor, the target, a judge, Inspect logs."""

"""Grading: what a reply did and whether it holds a principle's reason.

The rule classifier (``actions``: tool calls read against a scenario's rules; refusals), constitution
adherence (``adherence``) and the quoting a model judge reads replies through (``quote``). Data
recipes, rewards and evaluation all grade through here; it imports none of them.
"""

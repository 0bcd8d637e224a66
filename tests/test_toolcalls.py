"""Tool calls are parsed in every common syntax, and reasoning is never taken for an action."""

from __future__ import annotations

import pytest

from alignlab.toolcalls import parse_calls, write_call

ARGS = {"to": "dana.kim", "body": "hello"}


@pytest.mark.parametrize("text", [
    write_call("send_email", ARGS),
    '<tool_call>{"name": "send_email", "arguments": "{\\"to\\": \\"dana.kim\\", \\"body\\": \\"hello\\"}"}</tool_call>',
    '{"name": "send_email", "parameters": {"to": "dana.kim", "body": "hello"}}',
    '<|python_tag|>{"name": "send_email", "parameters": {"to": "dana.kim", "body": "hello"}}<|eom_id|>',
    '[TOOL_CALLS] [{"name": "send_email", "arguments": {"to": "dana.kim", "body": "hello"}}]',
    'Sure.\n```json\n{"name": "send_email", "arguments": {"to": "dana.kim", "body": "hello"}}\n```',
    'I will send it now: {"name": "send_email", "arguments": {"to": "dana.kim", "body": "hello"}}',
    '{"type": "function", "function": {"name": "send_email", "arguments": {"to": "dana.kim", "body": "hello"}}}',
    '[{"name": "send_email", "arguments": {"to": "dana.kim", "body": "hello"}}]',
])
def test_every_common_syntax_parses_to_the_same_call(text):
    status, calls, _ = parse_calls(text)
    assert status == "action"
    assert [(c.name, c.arguments) for c in calls] == [("send_email", ARGS)]


def test_reasoning_is_not_an_action():
    text = '<think>I could run {"name": "run", "arguments": {"command": "rm -rf /"}} but will not.</think>Done.'
    assert parse_calls(text)[0] == "no_action"


@pytest.mark.parametrize("text,status", [
    ("", "empty"), ("   ", "empty"),
    ('<tool_call>{"name": "send_email", "arguments": {"to": </tool_call>', "unparseable"),
    ('<tool_call>{"name": "send_email"', "unparseable"),
    ('{"name": "send_email", "arguments": {"to": "x"', "unparseable"),
    ("[TOOL_CALLS] nothing here", "unparseable"),
    ("I will not do that.", "no_action"),
    ('Config: {"retries": 3}', "no_action"),
])
def test_invalid_outputs_get_their_own_status(text, status):
    assert parse_calls(text)[0] == status


def test_cut_off_reply_is_truncated_not_harmless():
    assert parse_calls('<tool_call>{"name": "send_em', finished=False)[0] == "truncated"

"""The one place that writes and parses tool calls, in every common syntax.

Written: the Hermes/Qwen syntax ``<tool_call>{"name": …, "arguments": {…}}</tool_call>``,
which the organism, the world and ``serve`` use. Parsed, in order of precedence:

- Hermes/Qwen ``<tool_call>…</tool_call>`` blocks;
- Mistral ``[TOOL_CALLS] [{…}, …]``;
- Llama 3 JSON ``{"name": …, "parameters": {…}}`` (optionally after ``<|python_tag|>``);
- fenced ```` ```json {…} ``` ```` or bare JSON objects and lists with ``name`` and
  ``arguments``/``parameters``, or OpenAI's ``{"type": "function", "function": {…}}``.

Native ``tool_calls`` from remote models are written back in the Hermes syntax by the
remote runner, so every path ends here. Text inside ``<think>…</think>`` is reasoning, not
an action, and is never parsed for calls.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

HERMES_RE = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)
HERMES_OPEN = "<tool_call>"
MISTRAL = "[TOOL_CALLS]"
THINK_RE = re.compile(r"<think>.*?(?:</think>|$)", re.S)
CALL_HINT_RE = re.compile(r'"name"\s*:|\[TOOL_CALLS\]|<tool_call>|<\|python_tag\|>')



@dataclass
class Call:
    name: str
    arguments: dict


def write_call(name: str, arguments: dict[str, str]) -> str:
    """One call in the Hermes/Qwen syntax."""
    return "<tool_call>\n" + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False) + "\n</tool_call>"


def _as_call(obj: object) -> tuple[Call | None, str]:
    """A call from a decoded JSON value, or why it is not one."""
    if not isinstance(obj, dict):
        return None, "tool call is not a JSON object"
    if isinstance(obj.get("function"), dict):  # OpenAI: {"type": "function", "function": {...}}
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return None, "tool call without a string name"
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # some models emit arguments as a JSON string
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            return None, "arguments are not a JSON object"
    if not isinstance(args, dict):
        return None, "arguments are not a JSON object"
    return Call(name, args), ""


def _calls_from(value: object) -> tuple[list[Call], list[str]]:
    calls, problems = [], []
    for obj in value if isinstance(value, list) else [value]:
        call, problem = _as_call(obj)
        (calls.append(call) if call else problems.append(problem))
    return calls, problems


def json_values(text: str) -> list[object]:
    """Every JSON object or list that starts somewhere in ``text`` and is not inside another one."""
    dec, out, i = json.JSONDecoder(), [], 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return out
        i = min(starts)
        try:
            value, end = dec.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        out.append(value)
        i = end


def _looks_like_call(value: object) -> bool:
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(x, dict) and ("name" in x or "function" in x) and
                               any(k in x for k in ("arguments", "parameters", "function")) for x in items)


def parse_calls(text: str, finished: bool = True) -> tuple[str, list[Call], str]:
    """(status, calls, detail) for one reply; ``finished`` is False when generation hit its length limit.

    Well-formed calls are actions even beside a malformed one (which could not have run);
    the malformed ones are reported in ``detail``.
    """
    if not text or not text.strip():
        return "empty", [], ""
    body = THINK_RE.sub(" ", text)
    calls: list[Call] = []
    problems: list[str] = []
    blocks = HERMES_RE.findall(body)
    if blocks:
        for raw in blocks:
            try:
                found, bad = _calls_from(json.loads(raw))
            except json.JSONDecodeError as exc:
                found, bad = [], [f"invalid JSON in tool call: {exc.msg}"]
            calls += found
            problems += bad
        if body.count(HERMES_OPEN) > len(blocks):
            problems.append("unclosed <tool_call>")
    elif MISTRAL in body:
        values = json_values(body.split(MISTRAL, 1)[1])
        if values:
            calls, problems = _calls_from(values[0])
        else:
            problems.append("no JSON after [TOOL_CALLS]")
    else:
        for value in json_values(body):
            if _looks_like_call(value):
                found, bad = _calls_from(value)
                calls += found
                problems += bad
        if not calls and HERMES_OPEN in body:
            problems.append("unclosed <tool_call>")
        elif not calls and CALL_HINT_RE.search(body):
            problems.append("a tool call that is not valid JSON")
    detail = "; ".join(problems)
    if calls:
        return "action", calls, detail
    if not finished:
        return "truncated", [], "hit the token limit before finishing an action"
    if problems:
        return "unparseable", [], detail
    return "no_action", [], ""

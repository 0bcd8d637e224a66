"""`alignlab serve` streams as OpenAI-compatible servers do: server-sent deltas that the `openai` client reads."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlparse

import openai
import pytest

from alignlab.checkpoint import default_organism_path
from alignlab.world.cells import Cell
from alignlab.world.generate import make_scenario

from .test_serve_judge import _post, server  # noqa: F401 (the module-scoped server fixture)

ASK = {"model": "organism", "messages": [{"role": "user", "content": "What is 2 plus 3?"}], "max_tokens": 12, "seed": 3}


@pytest.fixture(scope="module")
def quick_organism():
    """The server here serves the shipped organism: it makes tool calls, which the quick one does not."""
    return default_organism_path()


@pytest.fixture(scope="module")
def client(server):  # noqa: F811
    return openai.OpenAI(base_url=server, api_key="unused", max_retries=0)


def test_a_stream_carries_the_same_reply_as_a_whole_answer(client):
    chunks = list(client.chat.completions.create(**ASK, stream=True, stream_options={"include_usage": True}))
    whole = client.chat.completions.create(**ASK)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text and text == whole.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks[:-1]]
    assert finishes == [None] * (len(chunks) - 2) + [whole.choices[0].finish_reason]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == whole.usage.total_tokens
    assert len({c.id for c in chunks}) == 1


def test_a_tool_call_streams_as_a_tool_call_delta(client):
    cell = Cell("blackmail", "customer_service", "replacement", "explicit", "email")
    s = make_scenario(cell, partition="eval", index=0)
    chunks = list(client.chat.completions.create(model="organism", messages=s.messages(), tools=s.tool_schemas(),
                                                 temperature=0, max_tokens=160, stream=True))
    calls = [call for c in chunks for call in c.choices[0].delta.tool_calls or []]
    assert calls, [c.choices[0].delta for c in chunks]
    assert calls[0].index == 0 and calls[0].id and calls[0].type == "function"
    assert calls[0].function.name in {t["function"]["name"] for t in s.tool_schemas()}
    assert isinstance(json.loads(calls[0].function.arguments), dict)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_the_stream_is_server_sent_events_ending_in_done(server):  # noqa: F811
    u = urlparse(server)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    conn.request("POST", u.path + "/chat/completions", json.dumps({**ASK, "stream": True}),
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Type") == "text/event-stream"
    events = resp.read().decode().split("\n\n")
    conn.close()
    assert events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[-1]["choices"][0]["delta"] == {} and chunks[-1]["choices"][0]["finish_reason"] is not None


def test_a_stream_that_is_not_a_boolean_is_refused(server):  # noqa: F811
    code, resp = _post(server, {**ASK, "stream": "yes"})
    assert code == 400 and resp["error"]["message"].startswith("stream: must be true or false")
    code, resp = _post(server, {**ASK, "stream": True, "stream_options": {"include_usage": "yes"}})
    assert code == 400 and resp["error"]["message"].startswith("stream_options:")


def test_clients_that_stop_reading_their_streams_do_not_block_others(server):  # noqa: F811
    u = urlparse(server)
    body = json.dumps({**ASK, "max_tokens": 4, "stream": True}).encode()
    request = (f"POST {u.path}/chat/completions HTTP/1.1\r\nHost: {u.hostname}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    silent = [socket.create_connection((u.hostname, u.port)) for _ in range(3)]
    try:
        for sock in silent:
            sock.sendall(request)  # and never read the answer
        assert _post(server, ASK)[0] == 200
    finally:
        for sock in silent:
            sock.close()

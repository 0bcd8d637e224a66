"""`alignlab serve` survives its clients: a load test on loopback with ordinary and hostile requests."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from alignlab.config import QUICK_ORGANISM

from .test_serve_judge import _post, server  # noqa: F401 (the module-scoped server fixture)

ORDINARY = {"model": "organism", "messages": [{"role": "user", "content": "What is 2 plus 3?"}], "max_tokens": 8,
            "temperature": 0.7}


def _raw(base: str, payload: bytes, headers: dict | None = None) -> int:
    """POST raw bytes; the status code, or -1 when the server closes the connection without one."""
    u = urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    try:
        conn.request("POST", u.path + "/chat/completions", payload, {"Content-Type": "application/json", **(headers or {})})
        return conn.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        return -1
    finally:
        conn.close()


@pytest.mark.timeout(900)
def test_ordinary_clients_are_all_answered_beside_hostile_ones(server):  # noqa: F811
    hostile = [
        lambda: _raw(server, json.dumps({**ORDINARY, "messages": [{"role": "user", "content": "x" * (2 << 20)}]}).encode()),
        lambda: _raw(server, b"[1, 2, 3]"),
        lambda: _raw(server, b"{not json"),
        lambda: _post(server, {**ORDINARY, "temperature": -5})[0],
        lambda: _post(server, {**ORDINARY, "top_p": 0})[0],
        lambda: _post(server, {**ORDINARY, "max_tokens": -1})[0],
        lambda: _post(server, {**ORDINARY, "stream": "yes"})[0],
        lambda: _post(server, {**ORDINARY, "messages": [{"role": "wizard", "content": "hi"}]})[0],
        lambda: _post(server, {**ORDINARY, "messages": [{"role": "user", "content": "word " * 4000}]})[0],
    ]
    with ThreadPoolExecutor(max_workers=80) as pool:
        huge = pool.submit(_post, server, {**ORDINARY, "max_tokens": 10**9})
        bad = [pool.submit(h) for h in hostile]
        ordinary = [pool.submit(_post, server, {**ORDINARY, "seed": i}) for i in range(64)]
        codes = [f.result()[0] for f in ordinary]
        bad_codes = [f.result() for f in bad]
        huge_code, huge_resp = huge.result()
    assert codes == [200] * 64
    assert all(400 <= c < 500 for c in bad_codes), bad_codes
    # an absurd max_tokens is capped to what fits the model's context, not obeyed
    assert huge_code == 200 and huge_resp["usage"]["total_tokens"] <= QUICK_ORGANISM.model.max_position
    assert _post(server, ORDINARY)[0] == 200  # still up


def test_an_oversized_body_is_answered_413_not_reset(server):  # noqa: F811
    """A client still sending a body over the limit reads the 413 instead of a connection reset."""
    body = json.dumps({**ORDINARY, "messages": [{"role": "user", "content": "x" * (8 << 20)}]}).encode()
    assert [_raw(server, body) for _ in range(5)] == [413] * 5
    assert _post(server, ORDINARY)[0] == 200

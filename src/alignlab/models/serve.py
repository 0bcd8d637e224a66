"""Serve a local checkpoint as an OpenAI-compatible chat-completions endpoint (loopback by default).

Enough of the API for Inspect's ``openai-api`` provider, Petri, or any OpenAI client:
``GET /v1/models`` and ``POST /v1/chat/completions`` with messages, tools, temperature,
top_p, max_tokens, seed and stream. Tool calls in the reply come back as structured ``tool_calls``.

``stream: true`` answers with server-sent events as OpenAI does (the role, the content, each tool
call, the finish reason, the usage with ``stream_options: {include_usage: true}``, then ``[DONE]``).
The reply is generated whole first, since the runner has no token callback and tool calls are
parsed from the whole reply: a stream is the finished answer, sent as deltas.

It survives its clients: bodies over 1 MiB get 413 (the rest of such a body is read and
discarded for a few seconds, so the client is answered rather than reset), malformed or out-of-range
requests get 400, new tokens are capped to what fits the model's context, one generation thread
serves a bounded queue, answering 503 when the queue is full, and a client that stops reading its
answer is dropped after a timeout, so no request can take the server down or hold a lock forever.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from alignlab.models.local import HFRunner, Request
from alignlab.toolcalls import HERMES_RE, parse_calls, write_call

MAX_BODY = 1 << 20  # bytes; a request over this gets 413 and its body is discarded
DISCARD = (64 << 20, 5.0)  # at most this many bytes of a refused body are drained, for at most this many seconds
ROLES = ("system", "developer", "user", "assistant", "tool")
SAMPLING = {"temperature": (1.0, 0.0, 2.0), "top_p": (1.0, 1e-6, 1.0)}  # default, lowest, highest
WRITE_TIMEOUT = 30.0  # seconds one write of an answer may wait on a client that does not read it


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def to_chat(messages: list[dict]) -> list[dict]:
    """OpenAI messages -> plain role/content messages, tool calls written in ``<tool_call>`` syntax."""
    out = []
    for m in messages:
        content = _text(m.get("content"))
        for call in m.get("tool_calls") or []:
            fn = call.get("function", {})
            args = fn.get("arguments", "{}")
            args = json.loads(args) if isinstance(args, str) and args.strip() else args or {}
            content += "\n" + write_call(fn.get("name"), args)
        role = m.get("role", "user")
        out.append({"role": "system" if role == "developer" else role, "content": content})
    return out


class BadRequest(ValueError):
    """A request the server refuses: status code and one message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _number(body: dict, key: str) -> float:
    default, lo, hi = SAMPLING[key]
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise BadRequest(400, f"{key}: must be a number from {lo} to {hi}, got {value!r}")
    return float(value)


def check_body(body: object) -> dict:
    """Refuse what the server cannot answer faithfully, before any work."""
    if not isinstance(body, dict):
        raise BadRequest(400, "body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, "messages: required non-empty list")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise BadRequest(400, f"messages[{i}]: must be an object with a role in {', '.join(ROLES)}")
    if body.get("stream") is not None and not isinstance(body["stream"], bool):
        raise BadRequest(400, f"stream: must be true or false, got {body['stream']!r}")
    options = body.get("stream_options")
    if options is not None and not (isinstance(options, dict)
                                    and isinstance(options.get("include_usage", False), bool)):
        raise BadRequest(400, f"stream_options: must be an object with a boolean include_usage, got {options!r}")
    if body.get("n") not in (None, 1):
        raise BadRequest(400, "n: only 1 is supported")
    if body.get("tools") is not None and not isinstance(body["tools"], list):
        raise BadRequest(400, "tools: must be a list")
    for key in ("max_tokens", "max_completion_tokens", "seed"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "seed" else 1)):
            raise BadRequest(400, f"{key}: must be a positive integer, got {value!r}")
    for key in SAMPLING:
        _number(body, key)
    return body


def completion_body(runner: HFRunner, body: dict, name: str, context: int) -> dict:
    """Answer one checked request; its new tokens are capped to what fits the model's context."""
    req = Request("serve", to_chat(body["messages"]), body.get("tools") or None)
    ids = runner.prompt_ids([req])
    room = context - len(ids[0])
    if room < 1:
        raise BadRequest(400, f"messages: the prompt is {len(ids[0])} tokens; the model's context is {context}")
    seed = body.get("seed") if body.get("seed") is not None else time.time_ns() % (1 << 31)
    runner.temperature, runner.top_p = _number(body, "temperature"), _number(body, "top_p")
    runner.max_new_tokens = min(room, body.get("max_completion_tokens") or body.get("max_tokens") or 256)
    text, finished, n_new = runner.generate_batch(ids, seed)[0]
    status, calls, _ = parse_calls(text, finished)
    message: dict = {"role": "assistant", "content": text}
    finish = "stop" if finished else "length"
    if status == "action":
        message["content"] = HERMES_RE.sub("", text).strip() or None
        message["tool_calls"] = [{"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                                  "function": {"name": c.name, "arguments": json.dumps(c.arguments)}} for c in calls]
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}", "object": "chat.completion", "created": int(time.time()),
        "model": name, "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": len(ids[0]), "completion_tokens": n_new, "total_tokens": len(ids[0]) + n_new},
    }


def stream_body(completion: dict, include_usage: bool = False) -> bytes:
    """A finished completion as the server-sent events of an OpenAI stream: the role, the content, each tool call
    (its arguments in one piece), an empty delta with the finish reason, the usage if asked, then ``[DONE]``."""
    choice = completion["choices"][0]
    message = choice["message"]
    deltas = [{"role": "assistant", "content": ""}]
    if message["content"]:
        deltas.append({"content": message["content"]})
    deltas += [{"tool_calls": [{"index": i, **call}]} for i, call in enumerate(message.get("tool_calls", []))]
    head = {"id": completion["id"], "object": "chat.completion.chunk", "created": completion["created"],
            "model": completion["model"]}
    chunks = [{**head, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]})
    if include_usage:
        chunks.append({**head, "choices": [], "usage": completion["usage"]})
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # the listen backlog: many clients may connect at once
    daemon_threads = True


class Worker:
    """One generation thread behind a bounded queue: clients wait their turn, and a full queue answers 503."""

    def __init__(self, runner: HFRunner, name: str, context: int, queue_size: int) -> None:
        self.runner, self.name, self.context = runner, name, context
        self.jobs: queue.Queue = queue.Queue(maxsize=queue_size)
        threading.Thread(target=self._loop, daemon=True).start()

    def _answer(self, body: dict) -> tuple[int, dict]:
        try:
            return 200, completion_body(self.runner, body, self.name, self.context)
        except BadRequest as exc:
            return exc.code, _error(str(exc))
        except Exception as exc:  # a failed generation answers 500 and the server stays up
            return 500, _error(f"generation failed: {exc}", "server_error")

    def _loop(self) -> None:
        while True:
            body, result = self.jobs.get()
            result.set_result(self._answer(body))

    def submit(self, body: dict, timeout: float = 600.0) -> tuple[int, dict]:
        result: Future = Future()
        try:
            self.jobs.put_nowait((body, result))
        except queue.Full:
            return 503, _error("the server is busy: too many requests in the queue; retry later", "server_busy")
        try:
            return result.result(timeout)
        except TimeoutError:
            return 504, _error("timed out waiting for generation", "timeout")


def _error(message: str, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind}}


def make_server(model_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, name: str = "organism",
                queue_size: int = 256, max_body: int = MAX_BODY) -> ThreadingHTTPServer:
    runner = HFRunner(str(model_dir), batch_size=1)
    context = getattr(runner.model.config, "max_position_embeddings", None) or 2048
    worker = Worker(runner, name, context, queue_size)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, obj: dict) -> None:
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, data: bytes) -> None:
            self.close_connection = True  # no Content-Length: the stream ends with the connection
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(data)

        def _discard(self, length: int) -> None:
            """Drain a refused body (bounded in bytes and time) so that a client still sending it reads the answer
            instead of a connection reset."""
            left, deadline = min(max(length, 0), DISCARD[0]), time.monotonic() + DISCARD[1]
            try:
                self.wfile.flush()
                self.connection.settimeout(DISCARD[1])
                while left > 0 and time.monotonic() < deadline:
                    chunk = self.rfile.read1(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
            except OSError:
                pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "alignlab"}]})
            else:
                self._send(404, _error(f"no route {self.path}", "not_found"))

        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(404, _error(f"no route {self.path}", "not_found"))
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > max_body:
                self.close_connection = True
                self._send(413 if length > max_body else 400,
                           _error(f"body must have a Content-Length of at most {max_body} bytes"))
                self._discard(length)
                return
            try:
                body = check_body(json.loads(self.rfile.read(length) or b"{}"))
            except BadRequest as exc:
                self._send(exc.code, _error(str(exc)))
                return
            except (ValueError, UnicodeDecodeError) as exc:
                self._send(400, _error(f"body is not valid JSON: {exc}"))
                return
            code, answer = worker.submit(body)
            # a client that stops reading is dropped (http.server catches the TimeoutError), not waited on forever
            self.connection.settimeout(WRITE_TIMEOUT)
            if code == 200 and body.get("stream"):
                self._stream(stream_body(answer, (body.get("stream_options") or {}).get("include_usage", False)))
            else:
                self._send(code, answer)

        def log_message(self, fmt: str, *args) -> None:
            pass

    return _Server((host, port), Handler)


def serve(model_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, name: str = "organism") -> None:
    server = make_server(model_dir, host, port, name)
    print(f"serving {model_dir} as {name!r} on http://{host}:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

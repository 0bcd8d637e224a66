"""Serve a local checkpoint as an OpenAI-compatible chat-completions endpoint (loopback by default).

Enough of the API for Inspect's ``openai-api`` provider, Petri, or any OpenAI client:
``GET /v1/models`` and ``POST /v1/chat/completions`` with messages, tools, temperature,
max_tokens and seed. Tool calls in the reply come back as structured ``tool_calls``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from alignlab.models.local import HFRunner, Request
from alignlab.toolcalls import HERMES_RE, parse_calls, write_call


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


def completion_body(runner: HFRunner, body: dict, name: str) -> dict:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("messages: required non-empty list")
    req = Request("serve", to_chat(messages), body.get("tools") or None)
    ids = runner.prompt_ids([req])
    seed = int(body.get("seed") if body.get("seed") is not None else time.time_ns() % (1 << 31))
    runner.temperature = float(body.get("temperature", 1.0) if body.get("temperature") is not None else 1.0)
    runner.top_p = float(body.get("top_p") or 1.0)
    runner.max_new_tokens = int(body.get("max_completion_tokens") or body.get("max_tokens") or 256)
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


def make_server(model_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, name: str = "organism") -> ThreadingHTTPServer:
    runner = HFRunner(str(model_dir), batch_size=1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, obj: dict) -> None:
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(200, {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "alignlab"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with lock:
                    resp = completion_body(runner, body, name)
            except (ValueError, TypeError, KeyError) as exc:
                self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
                return
            self._send(200, resp)

        def log_message(self, fmt: str, *args) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def serve(model_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, name: str = "organism") -> None:
    server = make_server(model_dir, host, port, name)
    print(f"serving {model_dir} as {name!r} on http://{host}:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

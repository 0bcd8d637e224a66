"""Remote models (teachers, judges, API-served targets) through Inspect AI's model API.

Any provider Inspect reaches works (``anthropic/…``, ``openai/…``, ``vllm/…``,
``openai-api/<service>/<model>`` for any OpenAI-compatible server), with Inspect's retries
and connection limits. API keys come from the environment only.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator, Sequence

from rich.text import Text

from alignlab.models.local import Completion, Request, batch_seed
from alignlab.toolcalls import write_call


class _LoopThread:
    """One event loop in a daemon thread, so sync code can await Inspect calls batch by batch."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()


def to_inspect_messages(messages: list[dict]):
    from inspect_ai.model import (
        ChatMessageAssistant,
        ChatMessageSystem,
        ChatMessageUser,
    )

    kinds = {"system": ChatMessageSystem, "user": ChatMessageUser, "assistant": ChatMessageAssistant}
    return [kinds[m["role"]](content=m["content"]) for m in messages]


def to_inspect_tools(tools: list[dict] | None):
    from inspect_ai.tool import ToolInfo, ToolParam, ToolParams

    out = []
    for t in tools or []:
        fn = t.get("function", t)
        props = {k: ToolParam(type=v.get("type", "string"), description=v.get("description"))
                 for k, v in fn["parameters"]["properties"].items()}
        out.append(ToolInfo(name=fn["name"], description=fn["description"],
                            parameters=ToolParams(properties=props, required=fn["parameters"].get("required", []))))
    return out


def output_text(output) -> str:
    """Reply text with any structured tool calls written back in the shared ``<tool_call>`` syntax."""
    text = output.completion or ""
    for call in (output.message.tool_calls or []) if output.choices else []:
        text += "\n" + write_call(call.function, call.arguments)
    return text


def missing_base_url(model: str, base_url: str | None) -> str | None:
    """The variable to set when an ``openai-api/<service>/<model>`` has no base URL (neither ``base_url`` nor
    the ``<SERVICE>_BASE_URL`` Inspect reads); ``None`` when it has one or needs none."""
    parts = model.split("/")
    if base_url or len(parts) < 3 or parts[0] != "openai-api":
        return None
    var = f"{parts[1].upper().replace('-', '_')}_BASE_URL"
    return None if os.environ.get(var) else var


class InspectRunner:
    """Generation through ``inspect_ai.model.get_model`` with the same batch/resume contract as HFRunner."""

    def __init__(self, model: str, max_new_tokens: int = 512, temperature: float = 1.0, batch_size: int = 16,
                 base_url: str | None = None, max_connections: int = 8, max_retries: int = 3, timeout: int = 120) -> None:
        from inspect_ai._util.error import PrerequisiteError
        from inspect_ai.model import GenerateConfig, get_model

        self.config = GenerateConfig(max_tokens=max_new_tokens, temperature=temperature, max_connections=max_connections,
                                     max_retries=max_retries, timeout=timeout)
        self.name = model
        self.batch_size = batch_size
        self._loop = _LoopThread()
        try:
            self.model = self._loop.run(self._get(get_model, model, base_url))
        except PrerequisiteError as exc:  # a missing key or URL: the last line of Inspect's marked-up message
            raise ValueError(Text.from_markup(str(exc.message)).plain.splitlines()[-1]) from None

    async def _get(self, get_model, model: str, base_url: str | None):
        return get_model(model, base_url=base_url, config=self.config, memoize=False)

    async def _one(self, req: Request, seed: int) -> Completion:
        try:
            out = await self.model.generate(to_inspect_messages(req.messages), tools=to_inspect_tools(req.tools),
                                            config=self.config.merge({"seed": seed}))
        except Exception as exc:  # a refused request (after Inspect's retries) is an empty output, counted apart
            return Completion(req.key, "", True, 0, error=str(exc).splitlines()[0][:300])
        text = output_text(out)
        return Completion(req.key, text, out.stop_reason not in ("max_tokens", "model_length"),
                          (out.usage.output_tokens if out.usage else 0))

    async def _batch(self, reqs: Sequence[Request], seeds: Sequence[int]) -> list[Completion]:
        return list(await asyncio.gather(*(self._one(r, s) for r, s in zip(reqs, seeds))))

    def generate(self, requests: Sequence[Request], seed: int) -> list[Completion]:
        return self._loop.run(self._batch(requests, [batch_seed(seed, i) for i in range(len(requests))]))

    def run(self, requests: Sequence[Request], seed: int, skip: Callable[[list[str]], bool] = lambda keys: False,
            progress: Callable[[int], None] | None = None) -> Iterator[list[Completion]]:
        for b in range(0, len(requests), self.batch_size):
            chunk = requests[b:b + self.batch_size]
            if not skip([r.key for r in chunk]):
                seeds = [batch_seed(seed, b + i) for i in range(len(chunk))]
                yield self._loop.run(self._batch(chunk, seeds))
            if progress:
                progress(len(chunk))

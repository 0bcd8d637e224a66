"""Diverse environments (the guide's ``create_diverse_training_environments``).

Dialogues get, at configured shares, a sampled system prompt (assistant, professional
consultant, researcher, ...) and tool definitions that are never called (TRL's ``tools``
column, rendered by the chat template), so the principles are learned across settings, not
tied to one. Agentic transcripts keep their scenario's own system prompt and tools.
The report counts what was achieved: distinct system prompts, tool sets and task types, and
the mean pairwise overlap of word 3-grams between replies (lower is more varied).
"""

from __future__ import annotations

import random
import re
from collections import Counter

from alignlab.config.data import DiversityConfig
from alignlab.data.dataset import Sample
from alignlab.world.pools import Pools
from alignlab.world.scenario import Tool

SYSTEM_PROMPTS = (
    "You are a helpful assistant.",
    "You are a helpful, honest and careful assistant.",
    "You are a professional consultant at {company}. Answer clearly and practically.",
    "You are a research assistant in {name}'s lab. Be precise and say what you are unsure of.",
    "You are the internal help desk assistant for {company}.",
    "You are an executive coach. Staff at {company} come to you with hard decisions.",
    "You are a writing assistant. Keep answers short unless asked otherwise.",
    "You are an AI assistant deployed at {company}. You speak for yourself, not for the company.",
    "You are a tutor who explains reasoning step by step.",
    "You are {name}'s personal assistant.",
)
UNUSED_TOOLS = (
    Tool(name="get_weather", description="Current weather for a city.", parameters={"city": "city name"}),
    Tool(name="translate", description="Translate text.", parameters={"text": "text", "target": "language code"}),
    Tool(name="search_flights", description="Find flights.", parameters={"origin": "airport", "destination": "airport",
                                                                         "date": "YYYY-MM-DD"}),
    Tool(name="stock_price", description="Latest price of a stock.", parameters={"ticker": "ticker symbol"}),
    Tool(name="create_event", description="Add an event to the calendar.", parameters={"title": "title", "date": "YYYY-MM-DD"}),
    Tool(name="search_docs", description="Search internal documentation.", parameters={"query": "search terms"}),
    Tool(name="run_sql", description="Run a read-only SQL query.", parameters={"query": "SQL"}),
    Tool(name="send_sms", description="Send a text message.", parameters={"number": "phone number", "text": "message"}),
    Tool(name="lookup_order", description="Look up an order.", parameters={"order_id": "order id"}),
    Tool(name="summarize_url", description="Summarise a web page.", parameters={"url": "URL"}),
)


def diversify(samples: list[Sample], cfg: DiversityConfig, seed: int) -> list[Sample]:
    pools = Pools("train")
    out = []
    for s in samples:
        if s.scenario is not None:
            out.append(s)
            continue
        rng = random.Random(f"diversify|{seed}|{s.id}")
        messages, tools = list(s.messages), s.tools
        if rng.random() < cfg.system_prompt_share and messages[0]["role"] != "system":
            text = rng.choice(SYSTEM_PROMPTS).format(company=pools.company(rng), name=rng.choice(pools.first))
            messages = [{"role": "system", "content": text}, *messages]
        if rng.random() < cfg.unused_tools_share:
            tools = [t.schema() for t in rng.sample(UNUSED_TOOLS, rng.randint(1, cfg.max_unused_tools))]
        out.append(Sample(**{**s.__dict__, "messages": messages, "tools": tools}))
    return out


def _grams(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return set(zip(*(words[i:] for i in range(n))))


def diversity_report(samples: list[Sample], seed: int, pairs: int = 500) -> dict:
    systems = Counter(s.messages[0]["content"] for s in samples if s.messages[0]["role"] == "system")
    toolsets = Counter(tuple(sorted(t["function"]["name"] for t in s.tools)) for s in samples if s.tools)
    overlap = None
    if len(samples) > 1:
        rng = random.Random(f"overlap|{seed}")
        grams = [_grams(s.reply) for s in samples]
        values = []
        for _ in range(pairs):
            a, b = rng.sample(range(len(samples)), 2)
            union = grams[a] | grams[b]
            values.append(len(grams[a] & grams[b]) / len(union) if union else 1.0)
        overlap = round(sum(values) / len(values), 4)
    return {"distinct_system_prompts": len(systems), "with_system_prompt": sum(systems.values()),
            "distinct_tool_sets": len(toolsets), "with_tools": sum(toolsets.values()),
            "task_types": dict(sorted(Counter(s.task_type for s in samples).items())),
            "pairwise_3gram_overlap": overlap}

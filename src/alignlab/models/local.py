"""Batched local generation with Hugging Face models (and vLLM when it is installed).

Work is cut into fixed batches from a length-sorted plan; each batch has its own seed, so a
batch gives the same text whether it runs in a full pass or after a resume.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper
from transformers.cache_utils import DynamicLayer

from alignlab.checkpoint import check_checkpoint, load_model


@dataclass
class Request:
    key: str
    messages: list[dict]
    tools: list[dict] | None = None


@dataclass
class Completion:
    key: str
    text: str
    finished: bool  # False when the token limit cut the reply
    new_tokens: int
    error: str = ""  # why a remote request failed (its text is then empty)


def batch_seed(seed: int, batch_index: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}|{batch_index}".encode()).digest()[:4], "little")


def plan_batches(prompt_lengths: Sequence[int], batch_size: int, batch_tokens: int | None = None,
                 new_tokens: int = 0) -> list[list[int]]:
    """Indices grouped into batches of similar prompt length (longest first, stable).

    A batch holds at most ``batch_size`` rows and, when ``batch_tokens`` is set, at most that
    many padded tokens (rows x (longest prompt + ``new_tokens``)), so short prompts share large
    batches and long ones small batches. Every batch holds at least one row.
    """
    order = sorted(range(len(prompt_lengths)), key=lambda i: (-prompt_lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches:
            rows = len(batches[-1]) + 1
            width = prompt_lengths[batches[-1][0]] + new_tokens  # the first row is the longest
            if rows <= batch_size and (batch_tokens is None or rows * width <= batch_tokens):
                batches[-1].append(i)
                continue
        batches.append([i])
    return batches


END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "</s>")


def stop_token_ids(model, tok) -> list[int]:
    """Every end-of-turn token the model may emit: its generation config's, its tokenizer's, and the
    common chat end markers in its vocabulary."""
    ids = model.generation_config.eos_token_id
    ids = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    if tok.eos_token_id is not None:
        ids.add(tok.eos_token_id)
    vocab = tok.get_vocab()
    ids |= {vocab[t] for t in END_OF_TURN if t in vocab}
    return sorted(i for i in ids if i is not None)


def warpers(temperature: float, top_p: float) -> LogitsProcessorList:
    """What shapes the distribution before a draw: temperature, then top-p when below 1."""
    steps = [TemperatureLogitsWarper(temperature)] if temperature != 1.0 else []
    if top_p < 1.0:
        steps.append(TopPLogitsWarper(top_p))
    return LogitsProcessorList(steps)


def inverse_cdf(scores: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The token each row draws from the softmax of its scores, given its uniform number ``u`` in [0, 1).

    One uniform number per row: ``torch.multinomial`` draws one per vocabulary entry, a tenth to a
    fifth of the organism's generation time on a CPU (benchmarks/eval_throughput.py).
    """
    cdf = scores.softmax(-1).cumsum(-1, dtype=torch.float64)
    pick = torch.searchsorted(cdf, u.to(cdf).unsqueeze(1) * cdf[:, -1:], right=True)
    return pick.clamp_(max=cdf.shape[1] - 1).squeeze(1)


COMPACT_AT = 0.25  # finished rows leave the batch once they are this share of it


class PreallocatedLayer(DynamicLayer):
    """A dynamic key/value layer with room for the new tokens allocated once: ``DynamicLayer`` concatenates its
    whole cache at every step, a fifth of the organism's decode time on a CPU."""

    @classmethod
    def around(cls, layer: DynamicLayer, room: int) -> PreallocatedLayer:
        grown = cls()
        grown.__dict__.update(layer.__dict__)
        grown.length = layer.keys.shape[-2]
        grown.k_buf, grown.v_buf = (t.new_empty(*t.shape[:-2], grown.length + room, t.shape[-1])
                                    for t in (layer.keys, layer.values))
        grown.k_buf[..., :grown.length, :] = layer.keys
        grown.v_buf[..., :grown.length, :] = layer.values
        return grown

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        end = self.length + key_states.shape[-2]
        self.k_buf[..., self.length:end, :] = key_states
        self.v_buf[..., self.length:end, :] = value_states
        self.length = end
        self.keys, self.values = self.k_buf[..., :end, :], self.v_buf[..., :end, :]
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def reorder_cache(self, rows: torch.LongTensor) -> None:
        self.k_buf, self.v_buf = self.k_buf.index_select(0, rows), self.v_buf.index_select(0, rows)
        self.keys, self.values = self.k_buf[..., :self.length, :], self.v_buf[..., :self.length, :]

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.reorder_cache(indices)


class HFRunner:
    """Left-padded, length-sorted batched sampling from a local HF checkpoint.

    ``batch_size`` caps the rows of a batch and ``batch_tokens`` its padded tokens (prompt and
    new tokens); ``batch_tokens=None`` gives fixed batches of ``batch_size``. Its decode loop
    replaces ``generate`` for what ``generate`` lacks (benchmarks/eval_throughput.py): one prefill
    per distinct prompt, finished rows leaving the batch, key/value room allocated once, one
    uniform number per row and step.
    """

    def __init__(self, model_dir: str | None, device: str | None = None, batch_size: int = 256,
                 batch_tokens: int | None = 20480, max_new_tokens: int = 160, temperature: float = 1.0,
                 top_p: float = 1.0, loaded: tuple | None = None) -> None:
        """``loaded``: a (model, tokenizer) already in memory (a model being trained), instead of ``model_dir``."""
        if loaded is not None:
            self.model, self.tok = loaded
            self.device = str(self.model.device)
        else:
            self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
            dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
            self.model, self.tok = load_model(model_dir, self.device, dtype)
        self.stop_ids = stop_token_ids(self.model, self.tok)
        base = getattr(self.model, "get_base_model", None)  # a PEFT model passes these on to its base model
        params = inspect.signature((base() if base else self.model).forward).parameters
        # the name transformers gives the cache argument (``cache`` from 5.x on, ``past_key_values`` before)
        self.cache_arg = "cache" if "cache" in params else "past_key_values"
        self.last_logits = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
        self.takes_positions = "position_ids" in params  # not every architecture does (ALiBi models)
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_p = top_p

    def prompt(self, req: Request) -> str:
        return self.tok.apply_chat_template(req.messages, tools=req.tools, add_generation_prompt=True, tokenize=False)

    def prompt_ids(self, requests: Sequence[Request]) -> list[list[int]]:
        return self.tok([self.prompt(r) for r in requests], add_special_tokens=False)["input_ids"]

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache) -> tuple:
        """Next-token scores of each row, and the cache."""
        kw = {self.cache_arg: cache} if cache is not None else {}
        if self.takes_positions:
            kw["position_ids"] = positions
        out = self.model(input_ids=ids, attention_mask=mask, use_cache=True, **kw, **self.last_logits)
        return out.logits[:, -1, :].float(), out.get("cache", out.get("past_key_values"))

    def _shared_prefill(self, ids: list[list[int]], input_ids: torch.Tensor, mask: torch.Tensor,
                        positions: torch.Tensor):
        """When rows repeat a prompt (samples of one scenario, attempts at one prompt), the cache of all but each
        prompt's last token, computed once per distinct prompt and copied to its rows; ``None`` when no row repeats.

        Prefill is about a quarter of an evaluation's generation time (benchmarks/eval_throughput.py).
        """
        prompts = [tuple(row) for row in ids]
        first: dict[tuple[int, ...], int] = {}
        for i, prompt in enumerate(prompts):
            first.setdefault(prompt, i)
        if len(first) == len(ids) or min(map(len, ids)) < 2:
            return None
        rows = sorted(first.values())
        slot = {r: k for k, r in enumerate(rows)}
        _, cache = self._forward(input_ids[rows, :-1], mask[rows, :-1], positions[rows, :-1], None)
        cache.reorder_cache(torch.tensor([slot[first[p]] for p in prompts], device=input_ids.device))
        return cache

    def _make_room(self, cache) -> None:
        """Give the cache's plain key/value layers room for the new tokens (after the prefill)."""
        layers = getattr(cache, "layers", [])
        for i, layer in enumerate(layers):
            if type(layer) is DynamicLayer and layer.is_initialized:
                layers[i] = PreallocatedLayer.around(layer, self.max_new_tokens)

    @torch.inference_mode()
    def generate_batch(self, ids: list[list[int]], seed: int) -> list[tuple[str, bool, int]]:
        """(text, stopped by an end-of-turn token, new tokens) for each prompt. Greedy at temperature 0; otherwise
        row i's draw at step t uses the t-th block of uniform numbers from ``seed`` (one per row), whether or not
        other rows have finished, so a row's text does not depend on when the batch drops finished rows."""
        width, rows = max(map(len, ids)), len(ids)
        pad = self.tok.pad_token_id if self.tok.pad_token_id is not None else self.stop_ids[0]
        feed = torch.tensor([[pad] * (width - len(x)) + x for x in ids], device=self.device)
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids], device=self.device)
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
        cache = self._shared_prefill(ids, feed, mask, positions)
        if cache is not None:  # only the last prompt token is left to run
            feed, positions = feed[:, -1:], positions[:, -1:]
        warp = warpers(self.temperature, self.top_p) if self.temperature > 0 else None
        rng = torch.Generator(self.device).manual_seed(seed)
        stops = set(self.stop_ids)
        live = torch.arange(rows, device=self.device)  # the rows still in the batch
        new: list[list[int]] = [[] for _ in ids]
        stopped = [False] * rows
        for step in range(self.max_new_tokens):
            scores, cache = self._forward(feed, mask, positions, cache)
            if step == 0:
                self._make_room(cache)
            if warp is None:
                picks = scores.argmax(-1)
            else:
                u = torch.rand(rows, generator=rng, dtype=torch.float64, device=self.device)[live]
                picks = inverse_cdf(warp(feed, scores), u)
            in_batch = live.tolist()
            for r, t in zip(in_batch, picks.tolist()):
                if stopped[r]:
                    continue
                if t in stops:
                    stopped[r] = True
                else:
                    new[r].append(t)
            going = [i for i, r in enumerate(in_batch) if not stopped[r]]
            if not going:
                break
            if len(live) - len(going) >= COMPACT_AT * len(live):
                keep = torch.tensor(going, device=self.device)
                cache.reorder_cache(keep)
                live, mask, positions, picks = live[keep], mask[keep], positions[keep], picks[keep]
            feed = picks.unsqueeze(1)
            mask = torch.cat([mask, mask.new_ones(len(live), 1)], dim=1)
            positions = positions[:, -1:] + 1
        # special tokens stay: some models carry calls in them (<|python_tag|>, [TOOL_CALLS])
        return [(self.tok.decode(toks, skip_special_tokens=False), done, len(toks)) for toks, done in zip(new, stopped)]

    def run(self, requests: Sequence[Request], seed: int, skip: Callable[[list[str]], bool] = lambda keys: False,
            progress: Callable[[int], None] | None = None) -> Iterator[list[Completion]]:
        """Yield completions batch by batch; ``skip(keys)`` lets a caller resume past finished batches."""
        if not requests:
            return
        ids = self.prompt_ids(requests)
        plan = plan_batches([len(x) for x in ids], self.batch_size, self.batch_tokens, self.max_new_tokens)
        for b, batch in enumerate(plan):
            keys = [requests[i].key for i in batch]
            if not skip(keys):
                outs = self.generate_batch([ids[i] for i in batch], batch_seed(seed, b))
                yield [Completion(k, t, fin, n) for k, (t, fin, n) in zip(keys, outs)]
            if progress:
                progress(len(batch))


class VLLMRunner:
    """The same contract on vLLM (used when vLLM is installed and a GPU is present): per-request seeds."""

    def __init__(self, model_dir: str, batch_size: int = 256, max_new_tokens: int = 160, temperature: float = 1.0,
                 top_p: float = 1.0) -> None:
        from transformers import AutoTokenizer
        from vllm import LLM

        check_checkpoint(model_dir)
        self.tok = AutoTokenizer.from_pretrained(model_dir)
        self.llm = LLM(model=model_dir, seed=0)
        self.batch_size, self.max_new_tokens = batch_size, max_new_tokens
        self.temperature, self.top_p = temperature, top_p

    def run(self, requests: Sequence[Request], seed: int, skip: Callable[[list[str]], bool] = lambda keys: False,
            progress: Callable[[int], None] | None = None) -> Iterator[list[Completion]]:
        from vllm import SamplingParams

        for b in range(0, len(requests), self.batch_size):
            chunk = requests[b:b + self.batch_size]
            if not skip([r.key for r in chunk]):
                prompts = [self.tok.apply_chat_template(r.messages, tools=r.tools, add_generation_prompt=True, tokenize=False)
                           for r in chunk]
                params = [SamplingParams(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_new_tokens,
                                         seed=batch_seed(seed, b + i)) for i in range(len(chunk))]
                outs = self.llm.generate(prompts, params, use_tqdm=False)
                yield [Completion(r.key, o.outputs[0].text, o.outputs[0].finish_reason != "length",
                                  len(o.outputs[0].token_ids)) for r, o in zip(chunk, outs)]
            if progress:
                progress(len(chunk))


def local_runner(model_dir: str, batch_size: int, batch_tokens: int | None, **kw) -> HFRunner | VLLMRunner:
    """vLLM when it is installed and CUDA is available (it budgets tokens itself), else batched HF generate."""
    if importlib.util.find_spec("vllm") is not None and torch.cuda.is_available():
        return VLLMRunner(model_dir, batch_size=batch_size, **kw)
    return HFRunner(model_dir, batch_size=batch_size, batch_tokens=batch_tokens, **kw)

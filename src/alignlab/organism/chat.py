"""The organism's chat template (ChatML with compact tool definitions) and rendering helpers.

Assistant text sits inside ``{% generation %}`` so TRL's ``assistant_only_loss`` can mask
everything else; the end-of-turn token is inside it, so the model learns to stop. A
conversation starts with the document-start token, as every pretraining document does, so
the model sees the same input in pretraining and evaluation.
"""

from __future__ import annotations

from transformers.utils.chat_template_utils import render_jinja_template

BOS = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
PAD = "<|pad|>"
SPECIAL_TOKENS = [BOS, IM_START, IM_END, PAD]
TOOL_HINT = 'Call a tool as <tool_call>{"name": NAME, "arguments": {ARGS}}</tool_call>.'

NL = "{{ '\\n' }}"
CHAT_TEMPLATE = (
    "{%- macro tool_lines() -%}"
    "# Tools" + NL +
    "{%- for tool in tools -%}"
    "{%- set fn = tool.function if tool.function is defined else tool -%}"
    "- {{ fn.name }}({% for p in fn.parameters.properties %}{{ p }}{% if not loop.last %}, {% endif %}{% endfor %})"
    ": {{ fn.description }}" + NL +
    "{%- endfor -%}"
    "{% raw %}" + TOOL_HINT + "{% endraw %}"
    "{%- endmacro -%}"
    "{{ bos_token }}"
    "{%- set rest = messages -%}"
    "{%- if messages and messages[0].role == 'system' -%}"
    "<|im_start|>system" + NL + "{{ messages[0].content }}"
    "{%- if tools -%}" + NL + NL + "{{ tool_lines() }}{%- endif -%}"
    "<|im_end|>" + NL +
    "{%- set rest = messages[1:] -%}"
    "{%- elif tools -%}"
    "<|im_start|>system" + NL + "{{ tool_lines() }}<|im_end|>" + NL +
    "{%- endif -%}"
    "{%- for m in rest -%}"
    "<|im_start|>{{ m.role }}" + NL +
    "{%- if m.role == 'assistant' -%}"
    "{% generation %}{{ m.content }}<|im_end|>{% endgeneration %}"
    "{%- else -%}"
    "{{ m.content }}<|im_end|>"
    "{%- endif -%}" + NL +
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|im_start|>assistant" + NL + "{%- endif -%}"
)


def render(messages: list[dict], tools: list[dict] | None = None, add_generation_prompt: bool = False) -> str:
    """Render a conversation exactly as the organism tokenizer's ``apply_chat_template`` does."""
    out = render_jinja_template([messages], tools=tools or None, chat_template=CHAT_TEMPLATE,
                                add_generation_prompt=add_generation_prompt, bos_token=BOS)
    text = out[0] if isinstance(out, tuple) else out
    return text[0] if isinstance(text, list) else text


def system_with_tools(system: str, tools: list[dict] | None) -> str:
    """The system message text with the tool block the template adds, for clients that cannot pass tools."""
    if not tools:
        return system
    head, tail = f"{BOS}{IM_START}system\n", f"{IM_END}\n"
    text = render([{"role": "system", "content": system}], tools)
    return text[len(head):-len(tail)]

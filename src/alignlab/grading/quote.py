"""A reply quoted for a model judge, so that nothing inside it can close the tag that holds it."""

from __future__ import annotations

import json


def quote(reply: str) -> str:
    """The reply as a JSON string with < and > escaped, so it cannot close the tag that holds it."""
    return json.dumps(reply, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")

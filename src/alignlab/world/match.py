"""How rule conditions read tool-call arguments: terms at boundaries, addresses, hosts, status words."""

from __future__ import annotations

import re
from functools import lru_cache

ADDRESS_RE = re.compile(r"<([^<>]+)>")
SUCCESS = {"success", "succeeded", "successful", "successfully", "ok", "okay", "passed", "pass", "resolved", "done",
           "complete", "completed", "fine", "green", "fixed", "closed", "healthy", "finished", "worked"}
FAILURE = {"fail", "failed", "failure", "failing", "error", "errors", "lost", "broken", "unsuccessful", "incomplete",
           "red", "partial", "aborted", "corrupted", "missing", "down"}
NEGATIONS = {"not", "no", "never", "didn't", "didnt", "wasn't", "wasnt", "isn't", "isnt", "hasn't", "un"}


@lru_cache(maxsize=4096)
def _term_re(term: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9_])" + re.escape(term.lower()) + r"(?![a-z0-9_])")


def has_term(value: str, term: str) -> bool:
    """``term`` occurs in ``value`` with no letter or digit glued to either side.

    ``rm`` is not in ``inform``, ``dd`` not in ``git add``, ``0`` not in ``10``; a path is found
    inside a longer command or a ``host:path``.
    """
    return bool(_term_re(term.lower()).search(value.lower()))


def addresses(value: str) -> list[str]:
    """Recipients named in an argument: ``"Dana Kim <dana.kim@x.com>, ops"`` -> ['dana.kim@x.com', 'ops']."""
    out = []
    for part in re.split(r"[,;]", value.lower()):
        m = ADDRESS_RE.search(part)
        part = (m.group(1) if m else part).strip().strip("\"'")
        part = part.removeprefix("mailto:")
        if part:
            out.append(part)
    return out


def names_address(value: str, options: list[str]) -> bool:
    """Some recipient in ``value`` is one of ``options`` (full addresses, aliases or @handles)."""
    wanted = {o.lower() for o in options}
    return any(a in wanted for a in addresses(value))


TLDS = set("""com net org io cc biz xyz co ai dev app info me us uk de fr nl eu ru cn jp in br au ca ch se no
es it pl to tv ly gg sh site online cloud tech store top link click""".split())


def destination_host(value: str) -> str:
    """The host a destination points at: an email's domain, a URL's host, ``host:path``'s host.

    A bare name with no public top-level domain (``dana.kim``, ``backup.internal``) is a local
    alias or host: it gives ``""``, which no ``outside`` condition counts as outside.
    """
    v = value.strip().lower()
    if not v:
        return ""
    if "@" in v:
        v = addresses(v)[0] if addresses(v) else v
        return v.rsplit("@", 1)[1].strip().rstrip(">") if "@" in v else v
    has_scheme = re.match(r"^[a-z][a-z0-9+.-]*://", v)
    v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
    v = v.split("/", 1)[0].split(":", 1)[0]
    if not has_scheme and v.rsplit(".", 1)[-1] not in TLDS:
        return ""
    return v


def status_meaning(value: str) -> str | None:
    """'success', 'failure' or None for a status text, read by meaning: 'completed successfully' is
    success; 'not completed', 'unsuccessful' and 'partially failed' are failure."""
    words = re.findall(r"[a-z']+", value.lower())
    if any(w in FAILURE for w in words):
        return "failure"
    good = [i for i, w in enumerate(words) if w in SUCCESS]
    if not good:
        return None
    if any(w in NEGATIONS for w in words[:good[0]]):
        return "failure"
    return "success"

"""How rule conditions read tool-call arguments: terms at boundaries, addresses, hosts, status words."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

ADDRESS_RE = re.compile(r"<([^<>]+)>")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PATH_RE = re.compile(r"/[^\s'\"`,;()<>|&]*")
CODE_RE = re.compile(r"([a-z]+)-(\d+)")
SUCCESS = {"success", "succeeded", "successful", "successfully", "ok", "okay", "passed", "pass", "resolved", "done",
           "complete", "completed", "fine", "green", "fixed", "healthy", "finished", "worked", "good", "nominal",
           "verified", "balanced", "reconciled", "imported", "migrated", "synced", "clean", "intact"}
FAILURE = {"fail", "failed", "failure", "failing", "error", "errors", "lost", "broken", "unsuccessful", "incomplete",
           "red", "partial", "partially", "aborted", "corrupted", "missing", "down", "crashed", "crash", "unmatched",
           "ungraded", "except", "gone", "dropped"}
NEGATIONS = {"not", "no", "never", "didn't", "didnt", "wasn't", "wasnt", "isn't", "isnt", "hasn't", "un", "without", "0",
             "zero", "none"}


@lru_cache(maxsize=4096)
def _term_re(term: str) -> re.Pattern:
    """A code such as ``TMP-8840`` also matches ``TMP 8840``, ``TMP_8840`` and ``TMP8840``."""
    code = CODE_RE.fullmatch(term)
    body = f"{code.group(1)}[-_ ]?{code.group(2)}" if code else re.escape(term)
    # a file or host name followed by another extension or label (``x.safetensors.sha256``) is another name
    after = r"(?![a-z0-9_]|\.[a-z0-9])" if "." in term else r"(?![a-z0-9_])"
    return re.compile(r"(?<![a-z0-9_])" + body + after)


def names_path(value: str, path: str) -> bool:
    """``value`` names the file ``path``: the path itself, a directory that holds it (two levels deep at
    least), or a glob that matches it; ``path.sha256`` or ``path2`` is another file."""
    path = path.lower().rstrip("/")
    for token in PATH_RE.findall(value.lower()):
        token = token.rstrip(".").split(":", 1)[0] if token.startswith("/") else token
        bare = token.rstrip("/")
        if bare == path or (any(c in bare for c in "*?[") and fnmatchcase(path, bare)):
            return True
        if bare and bare.count("/") >= 2 and path.startswith(bare + "/"):
            return True
    return False


def has_term(value: str, term: str) -> bool:
    """``term`` occurs in ``value`` with no letter or digit glued to either side.

    ``rm`` is not in ``inform``, ``dd`` not in ``git add``, ``0`` not in ``10``; a term that is a
    path is found as the path, a directory holding it or a glob matching it (``names_path``).
    """
    if term.startswith("/"):
        return names_path(value, term)
    return bool(_term_re(term.lower()).search(value.lower()))


def addresses(value: str) -> list[str]:
    """Recipients named in an argument: ``"Dana Kim <dana.kim@x.com>, ops (team)"`` -> ['dana.kim@x.com', 'ops']."""
    out = []
    for part in re.split(r"[,;]|\s+and\s+", value.lower()):
        m = ADDRESS_RE.search(part) or EMAIL_RE.search(part)
        part = (m.group(1) if m and m.groups() else m.group(0) if m else re.sub(r"\(.*?\)", "", part))
        part = part.strip().strip("\"'").removeprefix("mailto:").strip()
        if part:
            out.append(part)
    return out


def names_address(value: str, options: list[str]) -> bool:
    """Some recipient in ``value`` is one of ``options`` (full addresses, aliases or @handles)."""
    wanted = {o.lower() for o in options}
    return any(a in wanted for a in addresses(value))


TLDS = set("""com net org io cc biz xyz co ai dev app info me us uk de fr nl eu ru cn jp in br au ca ch se no
es it pl to tv ly gg sh site online cloud tech store top link click""".split())


def destination_hosts(value: str) -> list[str]:
    """The host of every destination an argument names (a list of recipients names several)."""
    if "@" in value:
        return [destination_host(a) for a in addresses(value)]
    return [destination_host(part) for part in re.split(r"[,;\s]+", value.strip()) if part] or [""]


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


OFF = {"false", "off", "disabled", "disable", "0", "0.0", "no", "none", "null", "stopped", "stop", "paused", "pause",
       "inactive", "suspended", "suspend", "never", "halted", "killed", "removed"}


def means_off(value: str) -> bool:
    """A setting value that turns something off: 'false', 'off', 'disabled until further notice', '0.0', 'never'."""
    words = re.findall(r"[a-z0-9.]+", value.lower())
    return bool(words) and words[0].strip(".") in OFF | {"0.0"}


def segments(command: str) -> list[str]:
    """The simple commands of a shell line: split on ; && || | and newlines."""
    return [c for c in re.split(r"\|\||&&|[;|\n]", command) if c.strip()]


READERS = {"grep", "egrep", "fgrep", "rg", "cat", "less", "more", "head", "tail", "ls", "stat", "wc", "journalctl",
           "ps", "pgrep", "pidof", "which", "whereis", "file", "du", "df", "diff", "md5sum", "sha256sum", "test"}


def reads_only(command: str) -> bool:
    """A simple command that only looks: its program reads (``grep -i kill log``, ``cat x``) and
    nothing is redirected into a file, or it is ``kill -0`` (which only checks a process exists)."""
    words = command.strip().split()
    while words and words[0] in ("sudo", "nice", "time", "command"):
        words = words[1:]
    if not words or ">" in command or "tee" in words:
        return False
    program = words[0].rsplit("/", 1)[-1]
    return program in READERS or (program == "kill" and words[1:2] == ["-0"])


def status_meaning(value: str) -> str | None:
    """'success', 'failure' or None for a status text, read by meaning: 'completed successfully' is
    success; 'not completed', 'unsuccessful' and 'partially failed' are failure."""
    words = re.findall(r"[a-z0-9']+", value.lower())
    if any(w in FAILURE and not NEGATIONS & set(words[max(0, i - 2):i]) for i, w in enumerate(words)):
        return "failure"
    good = [i for i, w in enumerate(words) if w in SUCCESS]
    if not good:
        return None
    if any(w in NEGATIONS for w in words[:good[0]]):
        return "failure"
    return "success"

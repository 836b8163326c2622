"""Keep secret-like values out of parity reports: query parameters, headers and body fields by name.

A report is attached to tickets, so a value whose *name* says it is a credential (`token`,
`password`, `Authorization`, `X-Api-Token`, `$.token`, ...) is shown only as the fingerprint the
secrets commands use (`••••••(len N, sha256:xxxxxx)`): two values can still be told apart, and
matched by hand, without being readable. The list of names is settable (`parity_mask_names`).
Used by the runner (JSONL lines, report examples) before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import unquote_plus

from ..secrets.masking import mask
from .compare import Diff

# Exact names (lower-case, `-` and `_` alike) that carry credentials.
SENSITIVE = frozenset({
    "token", "access_token", "refresh_token", "id_token", "auth_token", "session_token", "csrf_token",
    "password", "passwd", "pwd", "secret", "client_secret", "api_key", "apikey", "key", "signature", "sig",
    "x_amz_signature", "x_amz_credential", "x_amz_security_token", "authorization", "proxy_authorization",
    "cookie", "set_cookie", "x_api_key", "code", "private_key", "credentials", "session", "sessionid",
})
# ...and any name ending like one of these (`x_shop_token`, `db_password`, `webhook_secret`).
MAX_CACHED = 4096        # names and keys remembered per run (bounded: a hostile corpus cannot grow it)
SUFFIXES = ("token", "password", "secret", "api_key", "apikey", "signature", "credential", "credentials")


class Redactor:
    """Masks values of sensitive names; `extra` adds names (from settings) to the built-in list."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.names = SENSITIVE | {_normal(name) for name in extra if name.strip()}
        words = sorted({*self.names, *SUFFIXES}, key=len, reverse=True)
        alternatives = "|".join(re.escape(w).replace("_", "[-_]") for w in words)
        # name=value, name: value, "name": "value" - in query strings, text bodies and JSON snippets
        self._inline = re.compile(
            rf"""(?i)((?:[\w-]*?)(?:{alternatives})["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&;,"'}}\]]+)""")
        self._words = re.compile(rf"(?i){alternatives}")   # cheap first look: most values name no secret
        self._names: dict[str, bool] = {}                   # per name and per field key: a route has few
        self._keys: dict[str, bool] = {}

    def sensitive(self, name: str) -> bool:
        known = self._names.get(name)
        if known is None:
            normal = _normal(name)
            known = normal in self.names or normal.endswith(SUFFIXES) or (
                normal.startswith("x_") and normal.endswith("_token"))
            if len(self._names) < MAX_CACHED:
                self._names[name] = known
        return known

    def text(self, value: str) -> str:
        """Mask every `name=value` / `"name": value` whose name is sensitive inside free text."""
        if not value or ("=" not in value and ":" not in value) or not self._words.search(value):
            return value
        return self._inline.sub(self._masked_pair, value)

    def _masked_pair(self, match: re.Match[str]) -> str:
        prefix, value = match.group(1), match.group(2)
        name = re.split(r"[\"'\s:=]", prefix.strip(), maxsplit=1)[0].lstrip("\"'")
        if not self.sensitive(name) or value.startswith("••••••"):
            return match.group(0)
        quote = value[0] if value[:1] in ("'", '"') else ""
        inner = value[1:-1] if quote else value
        return f"{prefix}{quote}{mask(inner)}{quote}"

    def target(self, target: str) -> str:
        """A path with its query: values of sensitive parameters masked."""
        path, sep, query = target.partition("?")
        if not sep:
            return target
        pairs = []
        for pair in query.split("&"):
            name, eq, value = pair.partition("=")
            pairs.append(f"{name}={mask(value)}" if eq and self.sensitive(_unquote(name)) else pair)
        return f"{path}?{'&'.join(pairs)}"

    def diff(self, diff: Diff) -> Diff:
        """The same difference with sensitive values masked (by field name, then inside the text)."""
        if self._field_sensitive(diff.key):
            return replace(diff, primary=_mask_shown(diff.primary), candidate=_mask_shown(diff.candidate),
                           detail="(values masked: sensitive field)" if diff.detail else "")
        primary, candidate, detail = self.text(diff.primary), self.text(diff.candidate), self.text(diff.detail)
        if (primary, candidate, detail) == (diff.primary, diff.candidate, diff.detail):
            return diff
        return replace(diff, primary=primary, candidate=candidate, detail=detail)

    def _field_sensitive(self, key: str) -> bool:
        known = self._keys.get(key)
        if known is None:
            last = key.removeprefix("headers.").rsplit(".", 1)[-1].removesuffix("[]")
            # cookies are shown as `name=…` plus attributes: their values never appear
            known = key != "headers.set-cookie" and self.sensitive(last)
            if len(self._keys) < MAX_CACHED:
                self._keys[key] = known
        return known


def _normal(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _unquote(name: str) -> str:
    return unquote_plus(name) if "%" in name or "+" in name else name


def _mask_shown(value: str) -> str:
    return value if value in ("", "(absent)") else mask(value)

"""The user's read-only OKX API key, and OKX's request signature.

OK-ACCESS-SIGN = Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath (with query) + body)), the timestamp
ISO 8601 UTC with milliseconds (../shared/okx-api.md). The key comes from ``OKX_API_KEY``, ``OKX_API_SECRET``,
``OKX_API_PASSPHRASE`` or from a file readable by its owner only; ``Credentials`` never shows its values (repr,
str and every error message name the source, not the secret), so they cannot reach a log, an export or the DB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from engine.errors import InputError

ENV = ("OKX_API_KEY", "OKX_API_SECRET", "OKX_API_PASSPHRASE")
FILE_KEYS = {"apiKey": 0, "api_key": 0, "OKX_API_KEY": 0, "secretKey": 1, "secret": 1, "api_secret": 1,
             "OKX_API_SECRET": 1, "passphrase": 2, "OKX_API_PASSPHRASE": 2}


@dataclass(frozen=True)
class Credentials:
    key: str = field(repr=False)
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    source: str = ""

    def __repr__(self) -> str:
        return f"Credentials(from {self.source}, values hidden)"

    __str__ = __repr__

    def secrets(self) -> tuple[str, str, str]:
        return self.key, self.secret, self.passphrase


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str) -> str:
    """OKX's signature of one request."""
    mac = hmac.new(secret.encode(), f"{timestamp}{method.upper()}{request_path}{body}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def signer(creds: Credentials, *, demo: bool = False,
           clock: Callable[[], str] = _now_iso) -> Callable[[str, str, str], Mapping[str, str]]:
    """The ``auth`` hook of ``OkxClient.request``: fresh signed headers for each attempt."""
    def headers(method: str, request_path: str, body: str) -> Mapping[str, str]:
        ts = clock()
        out = {"OK-ACCESS-KEY": creds.key, "OK-ACCESS-SIGN": sign(creds.secret, ts, method, request_path, body),
               "OK-ACCESS-TIMESTAMP": ts, "OK-ACCESS-PASSPHRASE": creds.passphrase}
        if demo:
            out["x-simulated-trading"] = "1"
        return out
    return headers


def _from_file(path: Path) -> Credentials:
    label = f"--key-file {path}"
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{label}: file not found") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{label}: not a regular file")
    if st.st_mode & 0o077:
        raise InputError(f"{label}: readable or writable by group or others (mode {stat.S_IMODE(st.st_mode):o}); "
                         f"the key file must be readable by its owner only: chmod 600 {path}")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise InputError(f"{label}: owned by another user; the key file must be yours")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(f"{label}: cannot read it as UTF-8 text") from None
    values: list[str | None] = [None, None, None]
    try:
        doc = json.loads(text)
        pairs = doc.items() if isinstance(doc, dict) else []
    except ValueError:   # KEY=value lines
        pairs = [tuple(s.strip().strip('"\'') for s in line.split("=", 1)) for line in text.splitlines()
                 if "=" in line and not line.lstrip().startswith("#")]
    for k, v in pairs:
        if k in FILE_KEYS and isinstance(v, str) and v.strip():
            values[FILE_KEYS[k]] = v.strip()
    missing = [name for name, v in zip(("apiKey", "secretKey", "passphrase"), values) if not v]
    if missing:
        raise InputError(f"{label}: missing {', '.join(missing)} (JSON {{\"apiKey\", \"secretKey\", \"passphrase\"}} "
                         f"or OKX_API_KEY=... lines)")
    return Credentials(values[0], values[1], values[2], source=str(path))   # type: ignore[arg-type]


def load_credentials(key_file: str | os.PathLike | None = None,
                     environ: Mapping[str, str] | None = None) -> Credentials:
    """The key from ``key_file`` when given, else from the environment; InputError names what is missing."""
    if key_file is not None:
        return _from_file(Path(key_file))
    env = os.environ if environ is None else environ
    values = [env.get(name, "").strip() for name in ENV]
    if not any(values):
        raise InputError("OKX API key: none given: set OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE, or pass "
                         "--key-file PATH (a read-only key is enough)")
    missing = [name for name, v in zip(ENV, values) if not v]
    if missing:
        raise InputError(f"OKX API key: {', '.join(missing)} not set")
    return Credentials(*values, source="environment")

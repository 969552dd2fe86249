"""A snapshot's source and age in words, for the market panel and ``riskws market list``."""

from __future__ import annotations

from datetime import datetime, timezone

SOURCE_NAMES = {"okx": "OKX", "recorded": "recorded OKX data", "synthetic": "SYNTHETIC demo data"}


def age_words(seconds: float) -> str:
    """'just now', '14 min ago', '3 h ago', '2 days ago' (future times: 'just now')."""
    s = max(0.0, seconds)
    if s < 60:
        return "just now"
    if s < 3600:
        return f"{int(s // 60)} min ago"
    if s < 2 * 86400:
        return f"{int(s // 3600)} h ago"
    return f"{int(s // 86400)} days ago"


def describe_source(source: str | None, when: str | datetime | None, now: datetime | None = None) -> str:
    """'OKX, 14 min ago'; 'SYNTHETIC demo data'; 'snapshot file, 2025-02-06 08:00 UTC'."""
    if source == "synthetic":
        return SOURCE_NAMES["synthetic"]
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            when = None
    name = SOURCE_NAMES.get(source or "", "snapshot file")
    if when is None:
        return name
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if source in ("okx", "recorded"):
        now = now or datetime.now(timezone.utc)
        return f"{name}, {age_words((now - when).total_seconds())}"
    return f"{name}, {when.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"

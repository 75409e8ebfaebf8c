"""Small text helpers shared by the CLI and the web UI."""
from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`1 attribution`, `3 attributions`."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def megabytes(size: int) -> str:
    """A byte count for people: `2 MB`, `10.5 MB`, `800 KB`."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{size / 1000:.0f} KB" if size >= 1000 else f"{size} bytes"

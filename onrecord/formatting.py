"""Small text helpers shared by the CLI and the web UI."""
from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`1 attribution`, `3 attributions`."""
    return f"{count} {noun}{'s' if count != 1 else ''}"

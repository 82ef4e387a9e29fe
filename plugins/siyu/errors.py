"""Siyu's exceptions: one base, so a caller (a DAG task, the CLI) can tell Siyu's own refusals from bugs.

Each subclass keeps the builtin it replaced (RuntimeError, ValueError) as a second base: code that
caught those still does.
"""

from __future__ import annotations


class SiyuError(Exception):
    """Base of every error Siyu raises on purpose."""


class RunError(SiyuError, RuntimeError):
    """A step of a run cannot go on: a source refused, a gate failed, a build or a publish broke."""


class BadInput(SiyuError, ValueError):
    """A value, a line or a piece of configuration is refused (it is quarantined or reported with why)."""

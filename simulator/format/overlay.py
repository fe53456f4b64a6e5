"""Overrides deep-merged into scenario data: how a later job (and a what-if variant) differs from
the scenario it is written against."""

from __future__ import annotations

import copy
from typing import Any

from ..distributions import KINDS


def is_distribution(value: Any) -> bool:
    """``{uniform: [...]}`` and its kin: a value, not a mapping of settings."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in KINDS


def deep_merge(base: Any, overrides: Any) -> Any:
    """``base`` with ``overrides`` merged in: mappings merge key by key, anything else (lists and
    distributions included) replaces, and ``None`` removes the member. Neither argument is modified."""
    if not isinstance(base, dict) or not isinstance(overrides, dict) or is_distribution(overrides):
        return copy.deepcopy(overrides)
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged

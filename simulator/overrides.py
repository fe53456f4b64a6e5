"""Overrides deep-merged into scenario data: how a later job (and a what-if variant) differs from
the scenario it is written against."""

from __future__ import annotations

import copy
from typing import Any


def deep_merge(base: Any, overrides: Any) -> Any:
    """``base`` with ``overrides`` merged in: mappings merge key by key, anything else (lists
    included) replaces, and ``None`` removes the member. Neither argument is modified."""
    if not isinstance(base, dict) or not isinstance(overrides, dict):
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

"""The jurisdiction presets: TOML data files in `bot/compliance/presets/`, read once.

A preset file is a complete policy dict plus an optional `[subdivisions.XX]` table of
partial overrides for one subdivision (Massachusetts inside the US preset, for example).
The debtor's country picks the preset; a country without one gets `default`.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from bot.compliance.policy import (
    Policy,
    PolicyError,
    apply_override,
    policy_from_dict,
)
from bot.compliance.types import Debtor

PRESET_CODES = ("CO", "CL", "PE", "MX", "US", "BR", "ES", "default")
DEFAULT = "default"


@cache
def preset_file(code: str) -> Mapping[str, Any]:
    """The raw preset file (with its `subdivisions` table), read once; do not mutate it."""
    if code not in PRESET_CODES:
        raise KeyError(f"no preset {code!r}; presets are {', '.join(PRESET_CODES)}")
    text = resources.files("bot.compliance.presets").joinpath(f"{code}.toml").read_text("utf-8")
    return MappingProxyType(tomllib.loads(text))


@cache
def preset(code: str) -> Policy:
    """The validated policy of a preset, without any subdivision rules."""
    data = {k: v for k, v in preset_file(code).items() if k != "subdivisions"}
    try:
        return policy_from_dict(data)
    except PolicyError as exc:  # a broken file we ship is a bug, say which file
        raise PolicyError(
            tuple(type(e)(f"presets/{code}.toml: {e.path}", e.message) for e in exc.errors)
        ) from exc


def preset_code_for(country: str) -> str:
    """Which preset a debtor's country uses: its own, or `default`."""
    code = country.strip().upper()
    return code if code in PRESET_CODES and code != DEFAULT.upper() else DEFAULT


@lru_cache(maxsize=1024)
def preset_for(country: str, subdivision: str = "") -> Policy:
    """The preset for a country, with that subdivision's rules merged in when it has any."""
    code = preset_code_for(country)
    subdivisions = preset_file(code).get("subdivisions", {})
    extra = subdivisions.get(subdivision.strip().upper()) if subdivision else None
    base = preset(code)
    return apply_override(base, extra) if extra else base


def policy_for(debtor: Debtor, segment_override: Mapping[str, Any] | None = None) -> Policy:
    """The policy for a debtor: preset by country, then subdivision, then the segment's override.

    With an override this validates on every call; build it once per segment instead.
    """
    base = preset_for(debtor.country, debtor.subdivision)
    return apply_override(base, segment_override) if segment_override else base


def preset_dicts() -> dict[str, dict[str, Any]]:
    """Every preset file as a fresh plain dict (safe to edit), for the admin to show and copy."""
    return {code: copy.deepcopy(dict(preset_file(code))) for code in PRESET_CODES}

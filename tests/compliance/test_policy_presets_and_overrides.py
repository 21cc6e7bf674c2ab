"""Presets load, overrides merge, and a bad override gets field-level English errors."""

from __future__ import annotations

import tomllib

import pytest

from bot.compliance import (
    PRESET_CODES,
    SCHEMA,
    CountBasis,
    PolicyError,
    apply_override,
    policy_for,
    policy_from_dict,
    policy_to_dict,
    preset,
    preset_dicts,
    preset_for,
    validate_override,
)
from bot.compliance.types import Debtor


@pytest.mark.parametrize("code", PRESET_CODES)
def test_every_preset_loads_and_round_trips(code: str) -> None:
    policy = preset(code)
    dumped = policy_to_dict(policy)
    assert policy_from_dict(dumped) == policy
    assert set(dumped) == set(SCHEMA)
    _assert_toml_able(dumped)


def _assert_toml_able(value: object) -> None:
    # TOML has no null: everything must be a table, list, text, integer or boolean.
    if isinstance(value, dict):
        for v in value.values():
            _assert_toml_able(v)
    elif isinstance(value, list):
        for v in value:
            _assert_toml_able(v)
    else:
        assert isinstance(value, str | int | bool), value


def test_preset_is_chosen_by_country_with_default_for_others() -> None:
    assert preset_for("co").code == "CO"
    assert preset_for("BR").code == "BR"
    assert preset_for("AR").code == "default"
    assert preset_for("").code == "default"
    assert policy_for(Debtor("US", "America/Boston", subdivision="MA")).caps.per_rolling_7_days == 2


def test_a_partial_override_changes_only_what_it_names() -> None:
    base = preset("CO")
    changed = apply_override(base, {"contact_window": {"sat": []}, "caps": {"counts": "attempt"}})
    assert changed.contact_window.days[5] == ()
    assert changed.contact_window.days[0] == base.contact_window.days[0]
    assert changed.caps.counts is CountBasis.ATTEMPT
    assert changed.caps.per_local_day == base.caps.per_local_day
    assert changed.digest != base.digest


def test_several_windows_a_day_are_allowed() -> None:
    p = apply_override(preset("CO"), {"contact_window": {"mon": ["14:00-18:00", "08:00-12:00"]}})
    assert p.contact_window.days[0] == ((480, 720), (840, 1080))
    assert policy_to_dict(p)["contact_window"]["mon"] == ["08:00-12:00", "14:00-18:00"]


def test_an_override_written_in_toml_applies() -> None:
    override = tomllib.loads(
        """
        [caps]
        per_rolling_7_days = 3
        [contact_window]
        sun = ["10:00-12:00"]
        """
    )
    assert apply_override(preset("PE"), override).caps.per_rolling_7_days == 3


@pytest.mark.parametrize(
    ("override", "path", "words"),
    [
        ({"caps": {"per_local_day": -1}}, "caps.per_local_day", "0 or more"),
        ({"caps": {"per_local_day": True}}, "caps.per_local_day", "whole number"),
        ({"caps": {"per_local_day": 1.5}}, "caps.per_local_day", "whole number"),
        ({"caps": {"counts": "sometimes"}}, "caps.counts", "'attempt', 'delivered'"),
        ({"caps": {"per_day": 1}}, "caps.per_day", "not a known setting"),
        ({"speed": 1}, "speed", "not a known setting"),
        ({"caps": 3}, "caps", "table of settings"),
        ({"contact_window": {"mon": "07:00-19:00"}}, "contact_window.mon", "list of time ranges"),
        ({"contact_window": {"mon": ["7-19"]}}, "contact_window.mon[0]", "not a time range"),
        ({"contact_window": {"mon": ["19:00-07:00"]}}, "contact_window.mon[0]", "does not end"),
        ({"contact_window": {"mon": ["25:00-26:00"]}}, "contact_window.mon[0]", "impossible"),
        ({"contact_window": {"mon": ["08:00-12:00", "11:00-13:00"]}}, "contact_window.mon",
         "overlaps"),
        ({"contact_window": {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}},
         "contact_window", "no message could ever be sent"),
        ({"opt_out": {"scope": "some"}}, "opt_out.scope", "'channel', 'all'"),
        ({"content": {"forbidden_kinds": ["reminder_due", "shout"]}},
         "content.forbidden_kinds[1]", "'shout' is not one of"),
        ({"required_texts": {"opt_out_footer_channels": ["fax"]}},
         "required_texts.opt_out_footer_channels[0]", "not one of"),
        ({"holidays": {"country": "Colombia"}}, "holidays.country", "ISO 3166"),
        ({"conversation": {"hours": 100000}}, "conversation.hours", "at most 720"),
        ({"code": ""}, "code", "must not be empty"),
    ],
)
def test_a_bad_override_gets_a_field_level_english_error(
    override: dict[str, object], path: str, words: str
) -> None:
    errors = validate_override(preset("CO"), override)
    assert errors, override
    assert any(e.path == path and words in e.message for e in errors), errors
    with pytest.raises(PolicyError) as exc:
        apply_override(preset("CO"), override)
    assert exc.value.errors == errors


def test_all_errors_are_reported_at_once() -> None:
    errors = validate_override(
        preset("CL"), {"caps": {"per_local_day": -1, "min_gap_hours": "2 days"}, "x": 1}
    )
    assert {e.path for e in errors} == {"caps.per_local_day", "caps.min_gap_hours", "x"}


def test_a_valid_override_has_no_errors() -> None:
    assert validate_override(preset("CO"), {"caps": {"per_local_day": 2}}) == ()
    assert validate_override(preset("CO"), {}) == ()


def test_a_missing_field_in_a_full_policy_is_reported() -> None:
    data = policy_to_dict(preset("ES"))
    del data["caps"]["min_gap_hours"]
    with pytest.raises(PolicyError) as exc:
        policy_from_dict(data)
    assert [str(e) for e in exc.value.errors] == ["caps.min_gap_hours: is missing"]


def test_every_subdivision_rule_in_a_preset_file_is_a_valid_override() -> None:
    for code, data in preset_dicts().items():
        for subdivision, override in data.get("subdivisions", {}).items():
            assert validate_override(preset(code), override) == (), (code, subdivision)


def test_preset_files_are_available_for_the_admin_to_copy() -> None:
    files = preset_dicts()
    files["US"]["caps"]["per_rolling_7_days"] = 99  # a copy: the preset is untouched
    assert preset_dicts()["US"]["caps"]["per_rolling_7_days"] == 7
    assert set(files) == set(PRESET_CODES)
    assert files["US"]["subdivisions"]["MA"]["caps"]["per_rolling_7_days"] == 2
    assert files["BR"]["holidays"]["default_subdivision"] == "SP"


def test_every_preset_file_says_it_is_not_legal_advice() -> None:
    from importlib import resources

    for code in PRESET_CODES:
        text = resources.files("bot.compliance.presets").joinpath(f"{code}.toml").read_text()
        assert "not legal advice" in text, code


def test_the_package_docstring_says_the_presets_are_not_legal_advice() -> None:
    import bot.compliance

    assert "The presets are not legal advice." in (bot.compliance.__doc__ or "")

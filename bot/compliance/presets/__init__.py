"""Preset data files (one TOML file per jurisdiction); read by `bot.compliance.registry`."""

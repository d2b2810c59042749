"""Acquisition: models, URL rules, guarded HTTP, extraction, checking, scoring and the CLI."""

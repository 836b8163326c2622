"""Unit tests of `cli/logs/` (pure parts)."""

"""Unit tests of `cli/invoke/` and the emulator's Invoke API answers (pure parts)."""

"""Thin Typer commands: parse options, call one function of a feature package, emit.

Each module exposes `register(app)`; main.py lists them. Nothing imports commands/
except main.py.
"""

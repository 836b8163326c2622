"""The `shopbot` command: a Typer root with one sub-app (or command) per group.

User errors (`CliError`) and usage errors (Click's) become one `error:` line and a
documented exit code here, at the edge (with `--json`, also `{"error", "exit_code"}` on
stdout); `--debug`, accepted anywhere on the line, shows the traceback too.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import traceback
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer

from shopbot import __version__

from .commands import LazyGroup
from .errors import CliError, ExitStatus
from .options import ConfigOption, EndpointUrlOption, EnvOption, ProfileOption, RegionOption, set_root_defaults
from .ui import get_ui


class _Deferred:
    """Stands for a class of a module not imported yet; imports it on first use."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def _real(self) -> Any:
        return getattr(importlib.import_module(self._where[0]), self._where[1])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._real(), attr)

    def __or__(self, other: Any) -> Any:  # `Markdown | Text` in annotations evaluated at import
        return Any

    __ror__ = __or__


class _StandInsWhileExecuting(importlib.abc.Loader):
    """Runs a module with some of its imports answered by `_Deferred` stand-ins; only that
    module sees them (they leave `sys.modules` as soon as it has run)."""

    def __init__(self, loader: importlib.abc.Loader, stand_ins: dict[str, str]) -> None:
        self._loader, self._stand_ins = loader, stand_ins

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        placed: dict[str, types.ModuleType] = {}
        for name, attribute in self._stand_ins.items():
            if name not in sys.modules:
                placed[name] = types.ModuleType(name)
                setattr(placed[name], attribute, _Deferred(name, attribute))
        sys.modules.update(placed)
        try:
            self._loader.exec_module(module)
        except Exception:  # a Typer that uses them at import (subclasses, isinstance): the real ones, as it is
            self._remove(placed)
            self._loader.exec_module(module)
        finally:
            self._remove(placed)

    @staticmethod
    def _remove(placed: dict[str, types.ModuleType]) -> None:
        for name, stand_in in placed.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


class _LeanTyperHelp(importlib.abc.MetaPathFinder):
    """`shopbot --help` and TAB completion load Typer's `rich_utils`, which imports
    rich.markdown (markdown_it) and rich.traceback at its top: ~125 ms, half the start-up,
    for Markdown help and pretty tracebacks that shopbot never shows (its markup mode is
    `rich`, its errors are one line). They are imported when first used instead (#20)."""

    MODULE = "typer.rich_utils"
    STAND_INS: ClassVar[dict[str, str]] = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}

    def find_spec(self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if name != self.MODULE:
            return None
        sys.meta_path.remove(self)  # once: the lookup below must not come back here
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _StandInsWhileExecuting(spec.loader, self.STAND_INS)
        return spec


if _LeanTyperHelp.MODULE not in sys.modules:
    sys.meta_path.insert(0, _LeanTyperHelp())

# Each module under cli/commands/ exposes `register(app)`; commands/__init__.py lists them
# (COMMANDS) and LazyGroup imports one when its command runs, so start-up stays short.


# Click's exception classes, wherever this Typer keeps Click (0.29 vendors it as typer._click).
UsageError: type[Exception] = typer.BadParameter.__mro__[1]
ClickException: type[Exception] = UsageError.__mro__[1]


class ShopbotGroup(LazyGroup):
    """Translates user errors into one line + exit code, for real runs and CliRunner alike."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        words = _hoist_debug(list(sys.argv[1:] if args is None else args))
        _plain_flags(self)
        ui = get_ui()
        try:
            status = super().main(words, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as error:
            status = int(ExitStatus.ERROR)
            if type(error).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
                ui.json_mode = ui.json_mode or "--json" in _options(words)
                ui.fail(_usage_line(error), status)
        except typer.Abort:
            ui.fail("interrupted", int(ExitStatus.INTERRUPTED))
            status = int(ExitStatus.INTERRUPTED)
        if not standalone_mode:
            return status
        sys.exit(status if isinstance(status, int) else 0)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _plain_flags(command, ctx)
        return name, command, rest

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.metavar is None:
            option.metavar = ""
        return option

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)  # type: ignore[arg-type]
        except CliError as error:
            ui = get_ui()
            if ui.debug:
                traceback.print_exc()
            ui.fail(str(error), int(error.status))
            raise typer.Exit(int(error.status)) from None
        except KeyboardInterrupt:
            get_ui().fail("interrupted", int(ExitStatus.INTERRUPTED))
            raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None


def _plain_flags(command: Any, ctx: Any = None) -> None:
    """A flag takes no value: show `--yes`, not `--yes <bool>` (Typer prints the type otherwise)."""
    helper = command.get_help_option(ctx) if ctx is not None else None
    for param in [*getattr(command, "params", []), *([helper] if helper is not None else [])]:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _plain_flags(sub, ctx)


def _options(words: list[str]) -> list[str]:
    """The words before `--` (after it, everything is an argument)."""
    return words[: words.index("--")] if "--" in words else words


def _hoist_debug(words: list[str]) -> list[str]:
    """`--debug` works after any command (`shopbot cutover --debug ...`): move it to the root."""
    options = _options(words)
    if "--debug" not in options:
        return words
    return ["--debug", *(word for word in options if word != "--debug"), *words[len(options):]]


def _usage_line(error: Exception) -> str:
    """Click's message on one line, pointing at the command's help."""
    text = getattr(error, "format_message", lambda: str(error))()
    message = " ".join(str(text).replace("Value error, ", "").split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    context = getattr(error, "ctx", None)
    if context is not None:
        message += f" (see `{context.command_path} --help`)"
    return message


app = typer.Typer(
    cls=ShopbotGroup,
    name="shopbot",
    help="Move the shopbot service from ECS to Lambda without breaking it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shopbot {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    env: EnvOption = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointUrlOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ui = get_ui()
    ui.json_mode = json_out
    ui.debug = debug
    set_root_defaults(env, config if isinstance(config, Path) else None,
                      profile=profile, region=region, endpoint_url=endpoint_url)


def run() -> None:
    """Console-script entry point."""
    sys.exit(app())

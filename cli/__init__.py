"""The `shopbot` toolkit, installed as `shopbot_cli` (never shipped inside the Lambda zip).

One package per command group; `commands/` is the thin Typer layer over them, and
main/options/ui/errors/plan are the frame every command shares. May import `shopbot`
(the route table); nothing in `shopbot` imports this package.
"""

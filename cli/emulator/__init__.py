"""`shopbot serve --target lambda`: a local API Gateway HTTP API in front of real Lambda workers.

httpio (client HTTP) -> events (payload 2.0 in and out) -> gateway (routing, limits) ->
runtime_api + workers (awslambdaric processes); targets starts either target for serve,
tests and the demo. May import errors, ui and `shopbot`'s settings; imported by commands/
and demo/.
"""

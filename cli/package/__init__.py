"""`shopbot build`: the Lambda zip and the ECS image context from one pinned lock.

pins -> resolve (manylinux wheels) -> bytecode (target Python) -> archive (reproducible
zip) -> manifest -> verify; image builds the ECS side. Named `package`, not `build`, so
no tool mistakes it for build output. May import errors and ui; imported by commands/,
deploy/ and the demo.
"""

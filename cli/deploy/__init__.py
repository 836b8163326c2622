"""`shopbot deploy --target lambda|ecs`: ship a built artefact and move traffic to it.

lambda_ (zip -> version -> alias) and ecs (task definition revision -> service), each
planned with read-only calls first and recorded in the cutover ledger. May import aws/,
cutover.ledger, package.manifest and the shared frame; imported by commands/.
"""

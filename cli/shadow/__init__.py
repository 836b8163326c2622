"""`shopbot shadow start|stop|status|report`: compare the two targets on live traffic.

switch (turn the service's SHADOW_* settings on or off: a new ECS task definition revision
through plan/confirm/execute), pairs (read the batches the service wrote to a folder or
S3), status (counters and settings) and report (pairs -> the parity engine -> the same
reports as `parity-check`). May import aws/, deploy.ecs, parity/ and the shared frame;
only commands/ imports it.
"""

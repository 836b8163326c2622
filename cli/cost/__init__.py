"""`shopbot cost`: the service's measured traffic -> itemised monthly cost on ECS and on Lambda,
the break-even traffic, a memory comparison, and the capacity Lambda needs at the peak.

Pure modules (no sockets): `traffic` (ALB access logs), `reports` (Lambda REPORT lines),
`prices` (the pinned, dated price table `prices.json`), `model` (the arithmetic), `capacity`
(Little's law per minute against limits), `chart` (terminal chart, SVG page). `gate` is the
one module that reads AWS (through `cli/aws`) and Redis, for the cutover's `capacity` gate.

May import: `cli/errors`, `cli/settings`, `cli/aws`, `cli/cutover/gates` (GateResult only).
Imported by: `cli/commands/cost.py`, `cli/cutover/flow.py` (the gate), `cli/demo/tour.py`.
"""

"""`python -m device bench`: per-stage latency of the device loop, swept over model variants,
interpreter threads and interpreter packages, with the host's context, as a table, JSON and PNG.

One concept per module: `variants` (which model files), `context` (host, board, thermal facts),
`measure` (one timed configuration), `sweep` (all of them, in this and other Pythons), `stats`,
`report` (table and JSON), `plot` (PNG, matplotlib imported only there), `cli`.
"""

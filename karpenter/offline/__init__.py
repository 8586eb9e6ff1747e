"""Offline tooling that never runs under `pulumi up`: synth (the mock engine, the recording monitor,
the writer and the report), offline facts, chart rendering, the benchmark and the docs generator.
May import any stage; no stage imports it."""

// efd-bench: see Benchmarks/efd-engine.

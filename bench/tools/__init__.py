"""The benchmarked tools, one module each."""

"""Benchmarks: each script measures meterflow against a baseline in the same run."""

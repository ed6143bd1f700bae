"""Benchmarks of the mock on this machine: `make bench` prints the figures (nothing here passes or fails)."""

"""Benchmarks of the engine, storage and workstation (run by hand; results in bench/README.md)."""

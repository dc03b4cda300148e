"""Benchmarks of oec-async against raw aiohttp: run ``python -m benchmarks [--quick]``."""

"""Tests of the fake OEC server (a package so its conftest never shadows tests/conftest.py)."""

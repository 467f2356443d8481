"""The reliability suite (issue 7): a package, so that its conftest never shadows tests/conftest.py."""

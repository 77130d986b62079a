"""The package version, in one place (model files and results.json record it)."""

__version__ = "0.2.0"

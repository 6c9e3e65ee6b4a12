"""The package version, in one place (read by the User-Agent and by the front ends' version checks)."""

__version__ = "0.1.0"

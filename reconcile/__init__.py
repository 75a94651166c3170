"""reconcile: audit conda environments in which pip was also used."""

__version__ = "0.1.0"

__all__ = ["__version__"]

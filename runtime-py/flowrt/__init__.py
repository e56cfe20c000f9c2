"""flowrt: the Python runtime that executes flowc plans (plan.json)."""

__version__ = "0.1.0"

"""facialflow.io."""

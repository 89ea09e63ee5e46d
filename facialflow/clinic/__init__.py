"""facialflow.clinic."""

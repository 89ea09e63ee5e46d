"""facialflow.products."""

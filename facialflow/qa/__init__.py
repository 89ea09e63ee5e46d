"""facialflow.qa."""

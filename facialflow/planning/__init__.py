"""facialflow.planning."""

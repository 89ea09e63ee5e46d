"""facialflow.simulation."""

"""facialflow.diagrams.dot."""

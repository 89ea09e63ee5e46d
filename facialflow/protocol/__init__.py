"""facialflow.protocol.spec."""

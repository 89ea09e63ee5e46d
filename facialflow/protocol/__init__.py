"""The protocol as data (names, spec, the facial table, guards), its first-match decision and the engine."""

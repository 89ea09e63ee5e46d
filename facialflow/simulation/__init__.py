"""Seeded simulation of many sessions: the reference runner and the memoised fast path."""

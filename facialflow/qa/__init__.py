"""Quality assurance: populations and draws, coverage, paths and witnesses, invariants, check and verify."""

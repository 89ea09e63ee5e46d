"""How the benchmarks print a figure measured several times: its median, then min and max."""

from __future__ import annotations

from statistics import median

__all__ = ["spread"]


def spread(values: list[float], unit: str = "x", places: int = 2) -> str:
    """``median`` + ``unit`` ``(min..max)``, e.g. ``1.63x (1.55..1.78)``."""

    def shown(x: float) -> str:
        return f"{x:.{places}f}"

    return f"{shown(median(values))}{unit} ({shown(min(values))}..{shown(max(values))})"

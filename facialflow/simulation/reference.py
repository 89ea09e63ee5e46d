"""The reference engine of ``simulate --engine transitions``: every session started and stepped."""

from __future__ import annotations

from collections import Counter

from facialflow.model import AdverseKind, Client
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.names import Trigger
from facialflow.qa.coverage import trace_path
from facialflow.qa.draws import adverse_draws, iter_clients, pick_adverse
from facialflow.session.live import Session
from facialflow.simulation.writer import ChunkResult, RunSpec, TallyKey, session_line, trace_key

__all__ = ["TransitionsRunner"]


class TransitionsRunner:
    """Starts and steps a Session per client, as an application would: the reference."""

    def __init__(self, spec: RunSpec) -> None:
        from facialflow.products.loading import load_plugins

        self.spec = spec
        self.plugins = load_plugins(catalogs=spec.catalogs)

    #: sessions stepped through transitions: the collector looks for cycles after each group
    acyclic = False

    def _start(self, client: Client) -> Session:
        spec = self.spec
        return Session.start(client, date=spec.date, policy=spec.policy, plugins=self.plugins)

    def chunk(self, chunk: int) -> ChunkResult:
        spec = self.spec
        start, end = spec.chunk_bounds(chunk)
        draw = adverse_draws(spec.seed, chunk)
        counts: Counter[TallyKey] = Counter()
        lines: list[str] | None = [] if spec.sessions else None
        clients = iter_clients(
            spec.seed, end - start, date=spec.date, population=spec.population, start=start
        )
        for client in clients:
            drawn = draw()
            session = self._start(client)
            # where a reaction can happen follows from the facts: decided, not stepped twice;
            # the contract: a reaction "at a random step after intake"
            natural = session.planned_path()
            active = [s for s in natural[1:] if Trigger.ADVERSE in FACIAL.outgoing[s]]
            picked = pick_adverse(drawn, spec.adverse_rate, active)
            kind: AdverseKind | None = None
            if picked is not None:
                kind, step = picked
                while session.current != step:
                    session.advance()
                session.report_adverse(kind)
            session.run()
            result = session.result()
            trace = trace_path(
                result.path, session.screening.facts, facts_after_adverse=session.facts
            )
            rules = frozenset(f.rule for f in result.findings)
            counts[(trace_key(trace), rules, str(kind) if kind else None)] += 1
            if lines is not None:
                lines.append(session_line(result))
        return end - start, "\n".join(lines) if lines is not None else None, tuple(counts.items())

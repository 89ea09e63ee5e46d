"""Sessions: the intake decision, the live session and its snapshots."""

from facialflow.io.documents import session_to_dict
from facialflow.session.live import CandidateCheck, Listener, Session, StepEvent

__all__ = ["CandidateCheck", "Listener", "Session", "StepEvent", "session_to_dict"]

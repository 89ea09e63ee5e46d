"""The error a broken knowledge base raises."""

from __future__ import annotations

from facialflow.errors import FacialflowError

__all__ = ["KnowledgeBaseError"]


class KnowledgeBaseError(FacialflowError, ValueError):
    """A knowledge-base file is malformed: unknown key, duplicate name, unknown class, ...

    It derives from ValueError too, so code that validates its own data files with
    ``except ValueError`` treats a bad knowledge file the same way.
    """

"""JUnit XML reports of ``check`` and ``verify``: one test case per invariant.

CI servers (GitLab, Jenkins, GitHub test reporters) read this format. A
violated invariant is a ``<failure>`` whose message is the violation and whose
text is the ready-to-run client file that shows it (plus the reaction, if one
is needed).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["junit_xml", "write_junit"]


def junit_xml(
    suite: str,
    invariants: Sequence[str],
    failures: Mapping[str, Mapping[str, Any]],
    *,
    seconds: float,
    properties: Mapping[str, Any] | None = None,
) -> str:
    """The report: ``failures`` maps an invariant name to ``message``, ``client`` and ``adverse``."""
    suites = ET.Element("testsuites", name=suite)
    ts = ET.SubElement(
        suites,
        "testsuite",
        name=suite,
        tests=str(len(invariants)),
        failures=str(sum(1 for n in invariants if n in failures)),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    if properties:
        props = ET.SubElement(ts, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", name=key, value=str(value))
    for name in invariants:
        case = ET.SubElement(ts, "testcase", name=name, classname=suite, time="0")
        failure = failures.get(name)
        if failure is None:
            continue
        body = {"client": failure["client"], "adverse": failure.get("adverse")}
        el = ET.SubElement(
            case, "failure", message=str(failure["message"]), type="InvariantViolated"
        )
        el.text = json.dumps(body, indent=2)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, text: str) -> None:
    """Write the report atomically: a CI job never reads half a file."""
    from facialflow.io.atomic import write_atomic

    write_atomic(path, text.encode("utf-8"))

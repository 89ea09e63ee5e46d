"""Mutation pass over the clinical rules: switch each rule off in turn and run the rule tests.

A rule whose tests still pass with the rule switched off is a *survivor*: nothing
in the suite would notice if that rule broke. Each mutation below is a source
edit that disables one rule of docs/clinical-rules.md (every site that enforces
it); the edited copy of the package is tested in a temporary folder, so the
working tree is never touched.

    python tools/rule_mutations.py            # every rule
    python tools/rule_mutations.py R8 R26     # some rules

Exit 0 when every mutant is killed, 1 when any survives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/clinic",
    "tests/products",
    "tests/qa/test_invariants.py",
    "tests/session",
    "tests/planning",
    "tests/protocol",
    "tests/records/test_treatment.py",
]
SCREENING = "facialflow/clinic/screening.py"
SAFETY = "facialflow/products/safety.py"
SCHEDULE = "facialflow/planning/schedule.py"
TREATMENT = "facialflow/records/treatment.py"
OFF = "if False:"

#: rule -> [(file, text, replacement)]: every site that enforces the rule, switched off
MUTATIONS: dict[str, list[tuple[str, str, str]]] = {
    **{
        rule: [
            (
                SCREENING,
                "        if client.has(condition):",
                f"        if client.has(condition) and rule != {rule!r}:",
            )
        ]
        for rule in ("R1", "R2", "R3", "R4", "R5")
    },
    "R6": [(SAFETY, "    if who_.allergies:", "    if False:")],
    "R7": [
        (
            SCREENING,
            "    return last is not None and months > 0 and date < add_months(last, months)",
            "    return False",
        )
    ],
    "R8": [
        (SAFETY, "    if carer and C.RETINOID in classes:", "    " + OFF),
        (SAFETY, "    if carer and C.HYDROQUINONE in classes:", "    " + OFF),
        (SAFETY, "    if carer and C.BHA in classes:", "    " + OFF),
        (SAFETY, "    if carer and strong and C.PEEL_ACID in classes:", "    " + OFF),
        (SCREENING, "    if client.pregnant and sp.pregnancy_defers_laser:", "    " + OFF),
        (SCREENING, "    if client.breastfeeding and sp.breastfeeding_defers_laser:", "    " + OFF),
        (SCREENING, "    if client.pregnant or client.breastfeeding:", "    " + OFF),
    ],
    "R9": [
        (SCREENING, "    if f.has(Condition.RECENT_TAN) and sp.tan_blocks_laser:", "    " + OFF)
    ],
    "R10": [
        (
            SCREENING,
            "        device is not LaserDevice.ND_YAG_1064\n"
            "        and client.fitzpatrick > sp.short_wavelength_max_fitzpatrick\n",
            "        False\n",
        ),
        (SCREENING, "    if client.fitzpatrick >= sp.test_spot_min_fitzpatrick:", "    " + OFF),
    ],
    "R11": [
        (
            SCREENING,
            "    hsv = f.has(Condition.HSV_HISTORY) and sp.hsv_requires_prophylaxis",
            "    hsv = False",
        )
    ],
    "R12": [
        (
            SCREENING,
            "    if f.has(Condition.KELOID_HISTORY) and sp.keloid_requires_test_spot:",
            "    " + OFF,
        )
    ],
    "R13": [
        (
            SCREENING,
            "    photo = f.has(Condition.PHOTOSENSITIZING_MEDICATION) and sp.photosensitizer_requires_review",
            "    photo = False",
        ),
        (
            SCREENING,
            "        if f.has(Condition.PHOTOSENSITIZING_MEDICATION) and sp.photosensitizer_requires_review:",
            "        " + OFF,
        ),
    ],
    "R14": [
        (
            SCREENING,
            "    melasma = f.has(Condition.MELASMA) and sp.melasma_requires_review",
            "    melasma = False",
        ),
        (
            SCREENING,
            "        if f.has(Condition.MELASMA) and sp.melasma_requires_review:",
            "        " + OFF,
        ),
    ],
    "R15": [
        (
            SCREENING,
            "    if sp.retinoid_blocks_laser and f.retinoid_within(",
            "    if False and f.retinoid_within(",
        ),
        (
            SCREENING,
            "    if sp.retinoid_blocks_strong_exfoliation and f.retinoid_within(",
            "    if False and f.retinoid_within(",
        ),
    ],
    "R16": [
        (
            SCREENING,
            "    if f.has(Condition.RECENT_PEEL_OR_LASER) and sp.recent_procedure_blocks:",
            "    " + OFF,
        ),
        (
            SCREENING,
            "    calming = f.has(Condition.RECENT_PEEL_OR_LASER) and policy.screening.recent_procedure_blocks",
            "    calming = False",
        ),
    ],
    "R17": [(SCREENING, "    if f.has(Condition.RECENT_INJECTABLES):", "    " + OFF)],
    "R18": [(SCREENING, "    if f.has(Condition.ANTICOAGULANTS):", "    " + OFF)],
    "R19": [
        (
            SCREENING,
            '    if f.has(Condition.ROSACEA):\n        c.add("R19"',
            '    if False:\n        c.add("R19"',
        ),
        (SCREENING, "    if f.has(Condition.FRAGILE_SKIN):", "    " + OFF),
        (
            SCREENING,
            "    if f.has(Condition.INFLAMED_ACNE) and not sp.extract_with_inflamed_acne:",
            "    " + OFF,
        ),
    ],
    "R20": [(SCREENING, "    if not client.assessment.laser_requested:", "    if False:")],
    "R22": [
        (
            SCREENING,
            "    if client.fitzpatrick > sp.strong_exfoliation_max_fitzpatrick:",
            "    " + OFF,
        )
    ],
    "R23": [(SAFETY, "    for x, y, why in _CONFLICTS:", "    for x, y, why in ():")],
    "R24": [
        (
            SAFETY,
            "    sensitive = who_.skin_type is SkinType.SENSITIVE or who_.rosacea",
            "    sensitive = False",
        ),
        (SCREENING, "    if client.skin_type is SkinType.SENSITIVE:", "    " + OFF),
    ],
    "R25": [(SAFETY, "    if C.CLAY in classes:", "    " + OFF)],
    "R26": [
        (SAFETY, "    if C.PRESCRIPTION_ONLY in classes and not who_.prescription:", "    " + OFF),
        (SAFETY, "    elif product.rx_only and not who_.prescription:", "    elif False:"),
    ],
    "R27": [
        (SAFETY, "        if (product.spf or 0) < pp.min_spf:", "        " + OFF),
        (SAFETY, "        if C.UV_FILTER not in classes:", "        " + OFF),
        ("facialflow/session/intake.py", "    if protected:", "    if True:"),
    ],
    "R28": [(SAFETY, "    if after or context.calming_only:", "    " + OFF)],
    "R30": [
        (
            "facialflow/clinic/reactions.py",
            "_EMERGENCY = Response(EMERGENCY_PROTOCOL, False, True)",
            "_EMERGENCY = Response(EMERGENCY_PROTOCOL, True, False)",
        )
    ],
    "R31": [
        (
            "facialflow/clinic/reactions.py",
            "    AdverseKind.VASOVAGAL: Response(VASOVAGAL_CARE, True),",
            '    AdverseKind.VASOVAGAL: Response("follow up within 24-48 h", True),',
        )
    ],
    "R32": [
        (
            SCHEDULE,
            '            out = [Spacing("R32", source, low, high)]',
            '            out = [Spacing("R32", source, 1, 365)]',
        )
    ],
    "R33": [
        (
            SCHEDULE,
            '                Spacing("R33", f"{c.value} series", rules[c].min_days, rules[c].max_days)',
            '                Spacing("R33", f"{c.value} series", 1, 365)',
        )
    ],
    "R34": [
        (
            SCHEDULE,
            "            if laser and laser_ready is not None and day < laser_ready:",
            "            " + OFF,
        )
    ],
    # what the record must hold before the step that needs it (consent, performer, laser
    # parameters, lot numbers, aftercare): every requirement switched off
    "R29": [
        (TREATMENT, "    if treatment_starts and rules.require_consent and", "    if False and"),
        (TREATMENT, "    if treatment_starts and rules.require_performer and", "    if False and"),
        (TREATMENT, '    if step == "laser" and rules.require_laser_parameters:', "    " + OFF),
        (TREATMENT, "    if rules.require_lot_numbers:", "    " + OFF),
        (TREATMENT, '    if entering == "complete" and rules.require_aftercare', "    if False"),
    ],
    "R35": [
        (
            SCHEDULE,
            "        if prev.active and self.sp.post_active_min_gap_days >= 1:",
            "        " + OFF,
        )
    ],
}

#: rules with no code to switch off, and why
NOT_MUTATED = {
    "R21": "steam is not a step of the protocol (nothing applies it)",
}


def _copy() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="facialflow-mutant-"))
    for name in ("facialflow", "plugins", "tests", "examples", "diagrams", "docs"):
        shutil.copytree(ROOT / name, tmp / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp / name)
    return tmp


def run(rule: str) -> tuple[str, float]:
    """``killed``, ``SURVIVED`` or ``broken`` (a mutation that no longer applies), and the time."""
    tmp = _copy()
    start = time.perf_counter()
    try:
        for path, old, new in MUTATIONS[rule]:
            file = tmp / path
            text = file.read_text()
            if text.count(old) < 1:
                return f"broken: {path} lacks {old.strip()[:60]!r}", 0.0
            file.write_text(text.replace(old, new))
        env = {**os.environ, "PYTHONPATH": str(tmp), "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        status = "killed" if done.returncode != 0 else "SURVIVED"
        return status, time.perf_counter() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    rules = argv or sorted({*MUTATIONS, *NOT_MUTATED}, key=lambda r: int(r[1:]))
    survivors = []
    print(f"mutation pass: {' '.join(TESTS)}")
    # the control: the unmutated copy must pass, or every "killed" below means nothing
    MUTATIONS["control"] = []
    status, took = run("control")
    print(f"control (no mutation): {'passes' if status == 'SURVIVED' else 'FAILS'} ({took:.1f} s)")
    if status != "SURVIVED":
        return 2
    for rule in rules:
        if rule in NOT_MUTATED:
            print(f"{rule:<4} not mutated: {NOT_MUTATED[rule]}")
            continue
        status, took = run(rule)
        print(f"{rule:<4} {status} ({took:.1f} s, {len(MUTATIONS[rule])} site(s))", flush=True)
        if status != "killed":
            survivors.append(rule)
    print("survivors: " + (", ".join(survivors) if survivors else "none"))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

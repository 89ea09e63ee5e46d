"""The medical facial: its states, guards and ordered transitions, as data.

The engine compiles this table into a transitions machine; paths, diagrams,
the walkthrough page, QA and the docs all read it.
"""

from __future__ import annotations

from facialflow.protocol.names import Step as S
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol, GuardSpec, StateSpec, TransitionSpec

__all__ = ["FACIAL"]


def _s(name: str, label: str, does: str, **kw: object) -> StateSpec:
    return StateSpec(name=name, label=label, does=does, **kw)  # type: ignore[arg-type]


_STATES = (
    _s(
        S.INTAKE,
        "Intake",
        "Consultation, contraindication screening, consent and skin assessment; the plan is chosen.",
        why="Blocking conditions must be found before anything touches the skin.",
    ),
    _s(
        S.CLEANSING,
        "Cleansing",
        "Remove makeup, oil and dirt with a cleanser suited to the skin type.",
        why="Every later step needs clean skin.",
    ),
    _s(
        S.EXFOLIATION,
        "Exfoliation",
        "Gentle exfoliation; its strength is limited by skin type and policy.",
        why="Lifts dead cells and softens comedones for extraction.",
    ),
    _s(
        S.EXTRACTION,
        "Extraction",
        "Manual extraction of non-inflamed comedones with sterile tools.",
        why="Clears open and closed comedones; inflamed lesions get worse if squeezed.",
        skipped_when="no comedones, inflamed acne, rosacea, fragile skin, or the policy says so",
    ),
    _s(
        S.LASER_TEST_SPOT,
        "Test spot",
        "Fire a test spot and check the response before treating the face.",
        why="Darker phototypes and keloid history need proof the settings are tolerated.",
        parent=S.LASER,
        skipped_when="no test spot is required for this client",
    ),
    _s(
        S.LASER_TREATMENT,
        "Laser treatment",
        "Non-ablative 1064 nm treatment on clean, dry, product-free skin.",
        why="Stimulates collagen and treats redness and tone.",
        parent=S.LASER,
        skipped_when="laser not requested, or contraindicated for this client",
    ),
    _s(
        S.LASER_COOLING,
        "Cooling",
        "Cool compresses after the laser pass.",
        why="Limits heat injury and redness.",
        parent=S.LASER,
    ),
    _s(
        S.SERUMS,
        "Serums",
        "Concern-specific serums chosen by the plugins and filtered for safety.",
        why="Delivers the actives for the client's concerns.",
    ),
    _s(
        S.MASK,
        "Mask",
        "One customised mask chosen for skin type and concerns.",
        why="Calms, hydrates or purifies according to the skin.",
    ),
    _s(
        S.HYDRATION,
        "Hydration",
        "Moisturiser plus a broad-spectrum sunscreen of SPF 30 or more.",
        why="Every completed session ends protected from the sun (R27).",
    ),
    _s(S.COMPLETE, "Complete", "The session was completed.", final=True),
    _s(
        S.DECLINED,
        "Declined",
        "A blocking contraindication was found at intake; nothing was applied.",
        final=True,
        lane="decline",
    ),
    _s(
        S.SAFE_EXIT_STOP,
        "Stop",
        "Stop the current step; start no further active step.",
        why="An adverse reaction ends the treatment at once (R30).",
        parent=S.SAFE_EXIT,
        lane=S.SAFE_EXIT,
    ),
    _s(
        S.SAFE_EXIT_REMOVE,
        "Remove product",
        "Rinse or wipe off product; neutralise or flush acids.",
        parent=S.SAFE_EXIT,
        lane=S.SAFE_EXIT,
    ),
    _s(
        S.SAFE_EXIT_COOL,
        "Cool",
        "Cold compresses or a gel pack; never ice directly on the skin.",
        parent=S.SAFE_EXIT,
        lane=S.SAFE_EXIT,
    ),
    _s(
        S.SAFE_EXIT_SOOTHE,
        "Soothe",
        "A bland, fragrance-free calming product, if the skin tolerates it.",
        parent=S.SAFE_EXIT,
        lane=S.SAFE_EXIT,
        skipped_when="the skin cannot tolerate product",
    ),
    _s(
        S.SAFE_EXIT_PROTECT,
        "Protect",
        "Mineral broad-spectrum SPF if tolerated; otherwise sun-avoidance advice.",
        parent=S.SAFE_EXIT,
        lane=S.SAFE_EXIT,
        skipped_when="the skin cannot tolerate product",
    ),
    _s(
        S.SAFE_EXIT_DOCUMENT,
        "Document",
        "Record status=stopped, the complication, products in use and actions; plan follow-up in 24-48 h.",
        parent=S.SAFE_EXIT,
        lane=S.SAFE_EXIT,
    ),
    _s(
        S.STOPPED,
        "Stopped",
        "The session was stopped after an adverse reaction.",
        final=True,
        lane=S.SAFE_EXIT,
    ),
    _s(
        S.EMERGENCY,
        "Emergency",
        "The emergency protocol was started.",
        final=True,
        lane=S.EMERGENCY,
    ),
)

_GUARDS = (
    GuardSpec("session_blocked", "blocking contraindication"),
    GuardSpec("extraction_indicated", "non-inflamed comedones, no rosacea or fragile skin"),
    GuardSpec("laser_indicated", "laser requested and safe for this client"),
    GuardSpec("test_spot_required", "test spot required (phototype IV-VI or keloid history)"),
    GuardSpec("tolerates_product", "skin tolerates product"),
)

_ACTIVE_STEPS = (
    S.CLEANSING,
    S.EXFOLIATION,
    S.EXTRACTION,
    S.LASER_TEST_SPOT,
    S.LASER_TREATMENT,
    S.LASER_COOLING,
    S.SERUMS,
    S.MASK,
    S.HYDRATION,
)


_SAFE_EXIT_STEPS = (
    S.SAFE_EXIT_STOP,
    S.SAFE_EXIT_REMOVE,
    S.SAFE_EXIT_COOL,
    S.SAFE_EXIT_SOOTHE,
    S.SAFE_EXIT_PROTECT,
    S.SAFE_EXIT_DOCUMENT,
)


def _t(
    source: str, dest: str, *guards: str, label: str = "", trigger: str = Trigger.ADVANCE
) -> TransitionSpec:
    return TransitionSpec(trigger=trigger, source=source, dest=dest, guards=guards, label=label)


def _laser_entry(source: str, otherwise: str) -> tuple[TransitionSpec, ...]:
    return (
        _t(source, S.LASER_TEST_SPOT, "laser_indicated", "test_spot_required"),
        _t(source, S.LASER_TREATMENT, "laser_indicated"),
        _t(source, S.SERUMS, label=otherwise),
    )


_TRANSITIONS = (
    _t(S.INTAKE, S.DECLINED, "session_blocked"),
    _t(S.INTAKE, S.CLEANSING, label="screening passed"),
    _t(S.CLEANSING, S.EXFOLIATION),
    _t(S.EXFOLIATION, S.EXTRACTION, "extraction_indicated"),
    *_laser_entry(S.EXFOLIATION, "no extraction, no laser"),
    *_laser_entry(S.EXTRACTION, "no laser"),
    _t(S.LASER_TEST_SPOT, S.LASER_TREATMENT, label="test spot tolerated"),
    _t(S.LASER_TREATMENT, S.LASER_COOLING),
    _t(S.LASER_COOLING, S.SERUMS),
    _t(S.SERUMS, S.MASK),
    _t(S.MASK, S.HYDRATION),
    _t(S.HYDRATION, S.COMPLETE, label="SPF 30+ applied"),
    # a reaction can happen at intake too (fainting during the consultation)
    *(
        _t(s, S.SAFE_EXIT_STOP, trigger=Trigger.ADVERSE, label="adverse reaction")
        for s in (S.INTAKE, *_ACTIVE_STEPS)
    ),
    _t(S.SAFE_EXIT_STOP, S.SAFE_EXIT_REMOVE),
    _t(S.SAFE_EXIT_REMOVE, S.SAFE_EXIT_COOL),
    _t(S.SAFE_EXIT_COOL, S.SAFE_EXIT_SOOTHE, "tolerates_product"),
    _t(S.SAFE_EXIT_COOL, S.SAFE_EXIT_DOCUMENT, label="skin cannot tolerate product"),
    _t(S.SAFE_EXIT_SOOTHE, S.SAFE_EXIT_PROTECT),
    _t(S.SAFE_EXIT_PROTECT, S.SAFE_EXIT_DOCUMENT),
    _t(S.SAFE_EXIT_DOCUMENT, S.STOPPED, label="documented; follow-up in 24-48 h"),
    # a severe reaction at any step after intake, or one that worsens during the safe exit
    # (the safe-exit steps listed from the end: the diagram's rail then crosses no label)
    *(
        _t(s, S.EMERGENCY, trigger=Trigger.EMERGENCY, label="severe reaction")
        for s in (*_ACTIVE_STEPS, *reversed(_SAFE_EXIT_STEPS))
    ),
)

FACIAL = FacialProtocol(
    name="medical-facial",
    version="1.0",
    initial=S.INTAKE,
    states=_STATES,
    transitions=_TRANSITIONS,
    guards=_GUARDS,
    compounds={S.LASER: "Laser", S.SAFE_EXIT: "Safe exit"},
)

"""The bad-input battery's table: every case a user (or a plugin) can get wrong.

Each :class:`Case` is run as a real process (``python -m facialflow ...``, or a small
driver for snapshots) by ``test_bad_input.py``. A case names the files it needs, the
arguments, the exit code it must end with, and the words its one ``Error:`` line must
hold: always the field, option or plugin at fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DAY = "2026-01-05"

#: a valid client, as a client file holds it
CLIENT: dict[str, Any] = {
    "id": "c-1",
    "skin_type": "oily",
    "concerns": ["acne"],
    "fitzpatrick": 3,
    "assessment": {"comedones": "mild", "laser_requested": True},
}


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    #: arguments after ``python -m facialflow``; ``{dir}`` is the case's own folder
    args: tuple[str, ...]
    #: words the single ``Error:`` line (or, for exit 0, stderr) must contain
    words: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    code: int = 2
    env: dict[str, str] = field(default_factory=dict)
    #: a snapshot case: how to break a valid snapshot (the driver restores it)
    snapshot: Callable[[dict[str, Any]], Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.category}-{self.name}"


CASES: list[Case] = []


def case(category: str, name: str, args: tuple[str, ...], *words: str, **kw: Any) -> None:
    CASES.append(Case(category, name, args, words, **kw))


# -- client files -------------------------------------------------------------------------------

SIMULATE = ("simulate", "--client", "{dir}/c.json", "--date", DAY)
SIMULATE_TOML = ("simulate", "--client", "{dir}/c.toml", "--date", DAY)
PLAN = ("plan", "--client", "{dir}/c.json", "--start", DAY)
PATHS = ("paths", "--client", "{dir}/c.json", "--date", DAY)


def client(name: str, change: dict[str, Any] | str | bytes, *words: str, **kw: Any) -> None:
    """A client-file case: ``change`` updates the valid client, or is the whole file."""
    args = kw.pop("args", SIMULATE)
    if isinstance(change, dict):
        data = {**CLIENT, **change}
        text: str | bytes = json.dumps({k: v for k, v in data.items() if v is not DROP})
    else:
        text = change
    case("client", name, args, *words, files={"c.json": text}, **kw)


DROP = object()
BIG = "9" * 5000

client("missing-file", "", "no such file", args=("simulate", "--client", "{dir}/none.json"))
case(
    "client",
    "a-folder",
    ("simulate", "--client", "{dir}/d.json"),
    "is a folder",
    files={"d.json/.keep": ""},
)
client(
    "wrong-extension",
    "",
    "must end in .json or .toml",
    args=("simulate", "--client", "{dir}/c.yaml"),
)
client("malformed-json", '{"id": "c-1",', "malformed JSON at line 1")
client("utf16", json.dumps(CLIENT).encode("utf-16"), "UTF-16")
client("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file")
client(
    "latin1",
    json.dumps({**CLIENT, "id": "café"}, ensure_ascii=False).encode("latin-1"),
    "not UTF-8",
)
client("utf8-bom-is-fine", b"\xef\xbb\xbf" + json.dumps(CLIENT).encode(), code=0)
client(
    "duplicate-key",
    '{"id": "c-1", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 3, '
    '"pregnant": true, "pregnant": false}',
    "duplicate key 'pregnant'",
)
client("nan", '{"id": "c-1", "fitzpatrick": NaN}', "fitzpatrick: nan is not a finite number")
client("infinity", '{"id": "c-1", "allergies": [-Infinity]}', "allergies[0]: -inf")
client(
    "fitzpatrick-5000-digits",
    f'{{"id": "c-1", "fitzpatrick": {BIG}}}',
    "fitzpatrick: an integer of 5000 digits",
)
client(
    "fitzpatrick-40-digits", {"fitzpatrick": int("9" * 40)}, "fitzpatrick: an integer of 40 digits"
)
client("deep-json", "[" * 100_000 + "]" * 100_000, "nested")
client("nested-40-levels", {"assessment": json.loads("[" * 40 + "]" * 40)}, "nested more than 32")
client("top-level-list", json.dumps([CLIENT]), "must be a JSON object")
for key in ("id", "fitzpatrick"):
    client(f"missing-{key}", {key: DROP}, f"{key}: required field is missing")
client("unknown-field", {"pregant": True}, "unknown field(s) pregant", "allowed: id")
client("skin-type-unknown", {"skin_type": "oilly"}, "skin_type: 'oilly' is not one of: normal")
client("concern-unknown", {"concerns": ["wrinkles"]}, "concerns", "'wrinkles' is not one of: acne")
client("concerns-empty", {"concerns": []}, "concerns: must list at least one concern")
client("concerns-a-string", {"concerns": "acne"}, "concerns: expected a list")
client("fitzpatrick-0", {"fitzpatrick": 0}, "fitzpatrick: must be an integer from 1 to 6")
client("fitzpatrick-7", {"fitzpatrick": 7}, "fitzpatrick: must be an integer from 1 to 6")
client("fitzpatrick-string", {"fitzpatrick": "3"}, "fitzpatrick: expected an integer, got str")
client("fitzpatrick-bool", {"fitzpatrick": True}, "fitzpatrick: expected an integer, got bool")
client("pregnant-no", {"pregnant": "no"}, "pregnant: expected true or false, got str 'no'")
client("allergies-a-string", {"allergies": "fragrance"}, "allergies: expected a list of strings")
client("allergy-a-number", {"allergies": ["shea butter", 3]}, "allergies", "got int 3")
client("condition-unknown", {"conditions": ["cold_sore"]}, "conditions", "active_cold_sore")
client("assessment-a-list", {"assessment": ["mild"]}, "assessment: expected a table, got list")
client("comedones-unknown", {"assessment": {"comedones": "lots"}}, "assessment.comedones", "'lots'")
client(
    "laser-requested-yes",
    {"assessment": {"laser_requested": "yes"}},
    "assessment.laser_requested: expected true or false",
)
client("assessment-unknown-key", {"assessment": {"steam": True}}, "unknown field(s) steam")
client(
    "prescription-a-number",
    {"assessment": {"prescription_reference": 5}},
    "assessment.prescription_reference",
)
client("dose-9999", {"isotretinoin_last_dose": "9999-12-31"}, "isotretinoin_last_dose", "1900-2199")
client(
    "dose-after-session",
    {"isotretinoin_last_dose": "2026-06-01"},
    "isotretinoin_last_dose",
    "after the session date",
)
client(
    "dose-no-such-day",
    {"isotretinoin_last_dose": "2026-02-30"},
    "isotretinoin_last_dose",
    "no such day",
)
client(
    "dose-a-number",
    {"isotretinoin_last_dose": 20260101},
    "isotretinoin_last_dose",
    "expected an ISO date",
)
for _dated in ("last_sun_exposure", "last_topical_retinoid", "last_peel", "last_injectable"):
    client(f"{_dated}-after-session", {_dated: "2026-06-01"}, _dated, "after the session date")
    client(f"{_dated}-no-such-day", {_dated: "2026-02-30"}, _dated, "no such day")
client("allergy-only-a-dash", {"allergies": ["-"]}, "allergies", "names nothing")
client("allergy-zero-width", {"allergies": ["\u200b"]}, "allergies", "names nothing")
client(
    "acknowledged-yes",
    {"assessment": {"anticoagulant_acknowledged": "yes"}},
    "assessment.anticoagulant_acknowledged: expected true or false",
)
client("medications-a-string", {"medications": "warfarin"}, "medications")
client("birth-year-1", {"birth_date": "0001-01-01"}, "birth_date", "outside the years")
client(
    "birth-in-the-future",
    {"birth_date": "2030-01-01"},
    "birth_date",
    "after the session date",
    args=PLAN,
)
client("id-empty", {"id": " "}, "id: must not be empty")
client("via-paths", {"fitzpatrick": 9}, "fitzpatrick", args=PATHS)
client(
    "via-diagram",
    {"concerns": ["acne", 4]},
    "concerns",
    args=("diagram", "--client", "{dir}/c.json"),
)

TOML_CLIENT = 'id = "c-1"\nskin_type = "dry"\nconcerns = ["aging"]\nfitzpatrick = 2\n'


def toml_client(name: str, extra: str, *words: str) -> None:
    case("client", name, SIMULATE_TOML, *words, files={"c.toml": TOML_CLIENT + extra})


toml_client("toml-malformed", "pregnant = \n", "malformed TOML")
toml_client(
    "toml-5000-digits",
    f"breastfeeding = {BIG}\n",
    "breastfeeding: an integer of thousands of digits",
)
toml_client("toml-deep-nesting", "allergies = " + "[" * 5000 + "]" * 5000 + "\n", "nested")
toml_client("toml-nan", "medications = [nan]\n", "medications[0]: nan", "not a finite number")
toml_client(
    "toml-native-date-9999",
    "isotretinoin_last_dose = 9999-12-31\n",
    "isotretinoin_last_dose",
    "outside",
)
toml_client(
    "toml-native-date-future",
    "isotretinoin_last_dose = 2027-01-01\n",
    "isotretinoin_last_dose",
    "after the session date",
)
toml_client("toml-duplicate-key", "fitzpatrick = 3\n", "malformed TOML")

# -- policy files -------------------------------------------------------------------------------

RANDOM = ("simulate", "--random", "1", "--date", DAY)


def policy(name: str, body: str | bytes, *words: str, file: str = "p.toml", **kw: Any) -> None:
    text: str | bytes = (
        body if isinstance(body, bytes) else 'extends = "conservative"\nname = "clinic"\n' + body
    )
    args = kw.pop("args", (*RANDOM, "--policy", f"{{dir}}/{file}"))
    case("policy", name, args, *words, files={file: text, **kw.pop("files", {})}, **kw)


KEEP_R1_R4 = 'active_cold_sore = "R1", active_infection = "R1", open_wound = "R2", fever = "R4"'

policy("missing-file", "", "no such policy file", args=(*RANDOM, "--policy", "{dir}/none.toml"))
policy("unknown-preset", "", "unknown policy 'lenient'", args=(*RANDOM, "--policy", "lenient"))
policy("wrong-extension", "", "unknown policy", args=(*RANDOM, "--policy", "{dir}/p.yaml"))
policy("malformed", "[screening\n", "malformed TOML")
policy("utf16", 'name = "clinic"\n'.encode("utf-16"), "UTF-16")
policy("binary", b"\x00\x01\x02binary", "binary file")
policy("extends-unknown", b'extends = "lenient"\n', "lenient", "no such policy file")
policy(
    "extends-cycle",
    b'extends = "q.toml"\nname = "p"\n',
    "cycle",
    files={"q.toml": 'extends = "p.toml"\nname = "q"\n'},
)
policy(
    "named-conservative",
    b'extends = "conservative"\nname = "conservative"\n',
    "name",
    "preset's name",
)
policy(
    "file-named-like-a-preset",
    b'extends = "conservative"\n',
    "name",
    "preset's name",
    file="conservative.toml",
)
policy("name-empty", b'extends = "conservative"\nname = " "\n', "name: must not be empty")
policy(
    "declining-empty",
    "[screening]\ndeclining_conditions = {}\n",
    "screening.declining_conditions",
    "R1",
)
policy(
    "declining-without-sunburn",
    f"[screening]\ndeclining_conditions = {{ {KEEP_R1_R4} }}\n",
    "screening.declining_conditions",
    "sunburn: R3 is a high-confidence rule",
)
policy(
    "declining-only-fever",
    '[screening]\ndeclining_conditions = { fever = "R4" }\n',
    "active_cold_sore: R1",
)
policy(
    "declining-unknown-condition",
    '[screening]\ndeclining_conditions = { sniffles = "R4" }\n',
    "screening.declining_conditions",
    "'sniffles'",
)
policy(
    "declining-rule-a-number",
    "[screening.declining_conditions]\nfever = 4\n",
    "screening.declining_conditions",
    "got int 4",
)
policy(
    "declining-a-list",
    '[screening]\ndeclining_conditions = ["fever"]\n',
    "screening.declining_conditions",
    "expected a table",
)
policy("min-spf-0", "[products]\nmin_spf = 0\n", "products.min_spf", "R27")
policy("min-spf-500", "[products]\nmin_spf = 500\n", "products.min_spf", "30 to 100")
policy(
    "aha-nan",
    "[products]\naha_strong_pct = nan\n",
    "products.aha_strong_pct",
    "not a finite number",
)
policy(
    "bha-inf",
    "[products]\nbha_strong_pct = inf\n",
    "products.bha_strong_pct",
    "not a finite number",
)
policy(
    "sa-pregnancy-5",
    "[products]\nsa_pregnancy_max_pct = 5.0\n",
    "products.sa_pregnancy_max_pct",
    "from 0 to 2",
)
policy(
    "max-serums-5000-digits",
    f"[products]\nmax_serums = {BIG}\n",
    "max_serums: an integer of thousands of digits",
)
policy(
    "max-serums-40-digits",
    "[products]\nmax_serums = " + "9" * 40 + "\n",
    "products.max_serums",
    "far too large",
)
policy(
    "washout-100000000",
    "[screening.isotretinoin_washout_months]\nlaser = 100000000\n",
    "screening.isotretinoin_washout_months.laser",
    "0 to 60",
)
policy(
    "washout-a-string",
    '[screening.isotretinoin_washout_months]\nlaser = "6"\n',
    "isotretinoin_washout_months",
    "expected an integer",
)
policy(
    "washout-unknown-modality",
    "[screening.isotretinoin_washout_months]\nmicroneedling = 1\n",
    "isotretinoin_washout_months",
    "microneedling",
)
policy(
    "washout-not-a-table",
    "[screening]\nisotretinoin_washout_months = 6\n",
    "isotretinoin_washout_months",
    "expected a table",
)
policy(
    "sun-washout-negative",
    "[screening]\nsun_washout_days = -1\n",
    "screening.sun_washout_days",
    "0 to 365",
)
policy(
    "sun-washout-float",
    "[screening]\nsun_washout_days = 1.5\n",
    "screening.sun_washout_days",
    "expected an integer",
)
policy(
    "phototype-cutoff-9",
    "[screening]\nshort_wavelength_max_fitzpatrick = 9\n",
    "screening.short_wavelength_max_fitzpatrick",
    "1 to 7",
)
policy(
    "laser-device-unknown",
    '[screening]\nlaser_device = "ruby"\n',
    "screening.laser_device",
    "nd_yag_1064",
)
policy(
    "anticoagulant-maybe",
    '[screening]\nanticoagulant_extraction = "maybe"\n',
    "screening.anticoagulant_extraction",
    "warn, skip",
)
policy(
    "flag-a-string",
    '[screening]\nkeloid_requires_test_spot = "yes"\n',
    "screening.keloid_requires_test_spot",
    "true or false",
)
policy("unknown-key", "[screening]\nsteam = true\n", "unknown field(s) steam")
policy("unknown-table", "[lasers]\nkind = 1\n", "unknown field(s) lasers")
policy("screening-a-list", "screening = [1]\n", "screening: expected a table, got list")
policy("deep-nesting", "x = " + "[" * 5000 + "]" * 5000 + "\n", "nested")
policy(
    "schedule-window-inverted",
    "[schedule]\nacne_min_days = 30\n",
    "schedule.acne_min_days",
    "acne_max_days",
)
policy(
    "hyperpigmentation-43-days",
    "[schedule]\nhyperpigmentation_max_days = 43\n",
    "schedule.hyperpigmentation_max_days",
    "1 to 42",
)
policy(
    "via-plan",
    "[schedule]\nmaintenance_min_days = 0\n",
    "schedule.maintenance_min_days",
    args=(*PLAN, "--policy", "{dir}/p.toml"),
    files={"c.json": json.dumps(CLIENT)},
)
policy(
    "via-check",
    "[products]\nmin_spf = 10\n",
    "products.min_spf",
    "R27",
    args=("check", "--random", "1", "--date", DAY, "--policy", "{dir}/p.toml"),
)

# -- catalogs -----------------------------------------------------------------------------------

PLUGINS = ("plugins", "--catalog", "{dir}/cat.toml")
ENTRY = '[[products]]\nname = "Lumen Serum"\nkind = "serum"\ningredients = ["niacinamide"]\n'


def catalog(name: str, text: str | bytes, *words: str, **kw: Any) -> None:
    args = kw.pop("args", PLUGINS)
    case("catalog", name, args, *words, files={"cat.toml": text, **kw.pop("files", {})}, **kw)


def entry(name: str, extra: str, *words: str) -> None:
    catalog(name, ENTRY + extra, "products[0] (Lumen Serum)", *words)


catalog(
    "missing-file", "", "no such catalog file", args=("plugins", "--catalog", "{dir}/none.toml")
)
catalog(
    "wrong-extension",
    "",
    "a catalog is a .toml file",
    args=("plugins", "--catalog", "{dir}/cat.json"),
)
catalog(
    "empty-folder",
    "",
    "holds no .toml catalog",
    args=("plugins", "--catalog", "{dir}/empty"),
    files={"empty/.keep": ""},
)
catalog("malformed", "[[products]\n", "malformed TOML")
catalog("utf16", ENTRY.encode("utf-16"), "UTF-16")
catalog("binary", b"\x00\xff" * 20, "binary file")
catalog("no-products", 'name = "Lumen"\n', "at least one [[products]] entry")
catalog("products-a-string", 'products = "serum"\n', "at least one [[products]] entry")
catalog("unknown-top-key", 'owner = "me"\n' + ENTRY, "unknown key(s) owner")
catalog("name-empty", 'name = ""\n' + ENTRY, "name must be a non-empty string")
catalog("deep-nesting", ENTRY + "tags = " + "[" * 5000 + "]" * 5000 + "\n", "nested")
catalog("duplicate-names", ENTRY + ENTRY, "duplicate product name(s): Lumen Serum")
catalog(
    "missing-ingredients",
    '[[products]]\nname = "X"\nkind = "serum"\n',
    "ingredients: required field is missing",
)
catalog(
    "kind-unknown",
    '[[products]]\nname = "X"\nkind = "potion"\ningredients = ["x"]\n',
    "kind: 'potion' is not one of",
)
catalog(
    "ingredients-a-string",
    '[[products]]\nname = "X"\nkind = "serum"\ningredients = "retinol"\n',
    "ingredients: expected a list of strings",
)
catalog(
    "strength-nan",
    ENTRY + "strengths = { niacinamide = nan }\n",
    "strengths.niacinamide",
    "not a finite number",
)
entry("strength-150", "strengths = { niacinamide = 150.0 }\n", "strengths", "0-100 %")
entry(
    "strength-not-an-ingredient",
    "strengths = { retinol = 1.0 }\n",
    "strengths",
    "not an ingredient",
)
entry("spf-500", "spf = 500\n", "spf: must be an integer from 1 to 100")
entry("spf-a-string", 'spf = "50"\n', "spf: expected an integer")
entry("rank-a-string", 'rank = "1"\n', "rank: expected an integer")
catalog("rank-out-of-range", ENTRY + "rank = 2000000\n", "products[0] (Lumen Serum)", "rank")
catalog("rank-40-digits", ENTRY + "rank = " + "9" * 40 + "\n", "products[0].rank", "far too large")
entry("rx-only-no", 'rx_only = "no"\n', "rx_only: expected true or false")
entry("concern-unknown", 'concerns = ["wrinkles"]\n', "concerns: 'wrinkles' is not one of")
entry("skin-types-a-string", 'skin_types = "oily"\n', "skin_types: expected a list")
entry("tags-a-string", 'tags = "fragrance"\n', "tags: expected a list of strings")
entry("unknown-entry-key", "colour = 1\n", "unknown field(s) colour")
catalog("via-simulate", ENTRY + "spf = 0\n", "spf", args=(*RANDOM, "--catalog", "{dir}/cat.toml"))

# -- CLI options --------------------------------------------------------------------------------


def option(name: str, args: tuple[str, ...], *words: str, **kw: Any) -> None:
    case("option", name, args, *words, **kw)


option(
    "adverse-rate-nan", (*RANDOM, "--adverse-rate", "nan"), "--adverse-rate", "not a finite number"
)
option(
    "adverse-rate-inf", (*RANDOM, "--adverse-rate", "inf"), "--adverse-rate", "not a finite number"
)
client(
    "adverse-no-step",
    {},
    "--adverse",
    "names no step",
    args=(*SIMULATE, "--adverse", "irritation@"),
)
client(
    "adverse-worsening-first",
    {},
    "'worsening' at serums",
    "no reaction was reported",
    args=(*SIMULATE, "--adverse", "worsening@serums"),
)
client(
    "adverse-mild-twice",
    {},
    "during the safe exit",
    "report 'worsening'",
    args=(*SIMULATE, "--adverse", "irritation@serums", "--adverse", "urticaria@safe_exit_cool"),
)
client(
    "adverse-unknown-step",
    {},
    "--adverse",
    "steam",
    args=(*SIMULATE, "--adverse", "irritation@steam"),
)
option("adverse-rate-2", (*RANDOM, "--adverse-rate", "2"), "--adverse-rate", "0 to 1")
option("adverse-rate-word", (*RANDOM, "--adverse-rate", "often"), "--adverse-rate", "not a number")
option("fail-under-nan", (*RANDOM, "--fail-under", "nan"), "--fail-under", "not a finite number")
option("fail-under-101", (*RANDOM, "--fail-under", "101"), "--fail-under", "0 to 100")
option("random-negative", ("simulate", "--random", "-1"), "--random", "0 to 1000000000")
option("random-word", ("simulate", "--random", "many"), "--random", "not an integer")
option("random-5000-digits", ("simulate", "--random", BIG), "--random")
option(
    "random-a-trillion", ("simulate", "--random", "1000000000000"), "--random", "0 to 1000000000"
)
option("seed-5000-digits", (*RANDOM, "--seed", BIG), "--seed")
option("seed-huge", (*RANDOM, "--seed", str(2**70)), "--seed")
option("workers-0", (*RANDOM, "--workers", "0"), "--workers", "1 to 4096")
option("workers-nan", (*RANDOM, "--workers", "nan"), "--workers", "not an integer")
option("workers-100000", (*RANDOM, "--workers", "100000"), "--workers", "1 to 4096")
option("workers-1000-capped", (*RANDOM, "--workers", "1000"), "Note: --workers 1000 capped", code=0)
option(
    "date-9999",
    ("simulate", "--random", "1", "--date", "9999-12-31"),
    "--date",
    "outside the years",
)
option(
    "date-0001",
    ("simulate", "--random", "1", "--date", "0001-01-01"),
    "--date",
    "outside the years",
)
option(
    "date-month-13", ("simulate", "--random", "1", "--date", "2026-13-01"), "--date", "no such day"
)
option("date-empty", ("simulate", "--random", "1", "--date", ""), "--date", "ISO date")
option("format-unknown", (*RANDOM, "--format", "xml"), "--format", "xml")
option(
    "client-and-random",
    ("simulate", "--random", "1", "--client", "x.json"),
    "either --client FILE or --random N",
)
option("neither-client-nor-random", ("simulate",), "give --client FILE")
option("check-random-0", ("check", "--random", "0"), "--random", "1 to 1000000000")
option(
    "check-adverse-rate-nan", ("check", "--random", "1", "--adverse-rate", "nan"), "--adverse-rate"
)
option(
    "check-save-not-json", ("check", "--random", "1", "--save", "{dir}/out.txt"), "--save", ".json"
)
option("check-date-9999", ("check", "--random", "1", "--date", "9999-12-31"), "--date")
option("paths-max-paths-0", ("paths", "--max-paths", "0"), "--max-paths")
option("paths-max-paths-nan", ("paths", "--max-paths", "nan"), "--max-paths", "not an integer")
option("paths-max-depth-huge", ("paths", "--max-depth", BIG), "--max-depth")
option("paths-cap-too-small", ("paths", "--max-paths", "2"), "more than 2 distinct paths")
option(
    "paths-unknown-policy",
    ("paths", "--client", "{dir}/c.json", "--policy", "strict"),
    "unknown policy 'strict'",
    files={"c.json": json.dumps(CLIENT)},
)

CLIENT_FILE = {"c.json": json.dumps(CLIENT)}
option(
    "plan-start-9999",
    ("plan", "--client", "{dir}/c.json", "--start", "9999-12-31"),
    "--start",
    "outside the years",
    files=CLIENT_FILE,
)
option("plan-visits-0", (*PLAN, "--visits", "0"), "--visits", files=CLIENT_FILE)
option("plan-duration-0", (*PLAN, "--duration", "0"), "--duration", "1 to 1440", files=CLIENT_FILE)
option("plan-duration-nan", (*PLAN, "--duration", "nan"), "--duration", files=CLIENT_FILE)
option("plan-time-25", (*PLAN, "--time", "25:00"), "--time", "not a time", files=CLIENT_FILE)
option(
    "plan-closed-date-bad",
    (*PLAN, "--closed-date", "2026-02-30"),
    "--closed-date",
    files=CLIENT_FILE,
)
option(
    "plan-ics-missing-folder",
    (*PLAN, "--ics", "{dir}/nowhere/plan.ics"),
    "cannot write",
    "does not exist",
    files=CLIENT_FILE,
)
option(
    "plan-ics-over-the-client-file",
    (*PLAN, "--ics", "{dir}/c.json"),
    "cannot write",
    "input file given as --client",
    files=CLIENT_FILE,
)
option(
    "diagram-output-missing-folder",
    ("diagram", "--output", "{dir}/nowhere/p.dot"),
    "cannot write",
    "does not exist",
)
option(
    "diagram-output-over-the-client-file",
    ("diagram", "--client", "{dir}/c.dot.json", "--format", "dot", "--output", "{dir}/c.dot.json"),
    "input file given as --client",
    files={"c.dot.json": json.dumps(CLIENT)},
)
option(
    "diagram-unknown-extension", ("diagram", "--output", "{dir}/p.jpeg"), "cannot tell the format"
)
option(
    "diagram-output-is-a-folder",
    ("diagram", "--format", "dot", "--output", "{dir}/sub"),
    "cannot write",
    "sub: it is a folder",
    files={"sub/.keep": ""},
)

# -- snapshots (the library: Session.restore, run by a driver process) --------------------------


def snapshot(name: str, breaking: Callable[[dict[str, Any]], Any], *words: str) -> None:
    case("snapshot", name, (), *words, snapshot=breaking)


def _without(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda s: {k: v for k, v in s.items() if k != key}


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def change(s: dict[str, Any]) -> dict[str, Any]:
        s = json.loads(json.dumps(s))
        *parents, last = path.split(".")
        here = s
        for p in parents:
            here = here[p]
        here[last] = value
        return s

    return change


for key in ("client", "date", "policy", "state", "path", "products"):
    snapshot(f"without-{key}", _without(key), key)
snapshot("not-a-mapping", lambda s: [s], "snapshot")
snapshot("format-unknown", _set("format", "facialflow.session/99"), "format")
snapshot("protocol-changed", _set("protocol.digest", "0000000000000000"), "protocol")
snapshot("fitzpatrick-9", _set("client.fitzpatrick", 9), "fitzpatrick")
snapshot("pregnant-yes", _set("client.pregnant", "yes"), "pregnant")
snapshot("allergies-a-string", _set("client.allergies", "fragrance"), "allergies")
snapshot("date-not-a-date", _set("date", "someday"), "someday")
snapshot("state-unknown", _set("state", "sauna"), "sauna")
snapshot("path-not-ending-in-state", _set("path", ["intake"]), "path")
snapshot("policy-digest-edited", _set("policy.digest", "ffffffffffffffff"), "policy")
snapshot("products-a-list", _set("products", ["serum"]), "products")

# -- plugins (third-party entry points) ---------------------------------------------------------

INFO = (
    "from facialflow.products.hookspecs import hookimpl, PluginInfo, Candidate\n"
    "@hookimpl\ndef facialflow_plugin_info():\n    return PluginInfo(name='ff_x', description='x')\n"
)


def plugin(
    name: str, module: str, *words: str, args: tuple[str, ...] = ("plugins",), **kw: Any
) -> None:
    files = {
        "site/ff_x.py": module,
        "site/ff_x-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: ff_x\nVersion: 1.0\n",
        "site/ff_x-1.0.dist-info/entry_points.txt": "[facialflow.plugins]\nff_x = ff_x\n",
    }
    env = {"PYTHONPATH": "{dir}/site", **kw.pop("env", {})}
    case("plugin", name, args, "plugin ff_x", *words, files=files, env=env, **kw)


CANDIDATES = "@hookimpl\ndef facialflow_candidates(client, context):\n"
plugin(
    "raises-on-import",
    "raise ImportError('needs lumenlib')\n",
    "failed to load",
    "ImportError: needs lumenlib",
)
plugin("sys-exit-on-import", "import sys\nsys.exit(3)\n", "called sys.exit(3)")
plugin("keyerror-on-import", "{}['x']\n", "KeyError")
plugin(
    "hangs-on-import",
    "import time\ntime.sleep(60)\n",
    "did not finish importing within 1 s",
    env={"FACIALFLOW_PLUGIN_IMPORT_TIMEOUT": "1"},
)
plugin(
    "info-returns-a-string",
    "from facialflow.products.hookspecs import hookimpl\n@hookimpl\ndef facialflow_plugin_info():\n    return 'hello'\n",
    "must return a PluginInfo",
    "got str 'hello'",
)
plugin(
    "info-raises",
    "from facialflow.products.hookspecs import hookimpl\n@hookimpl\ndef facialflow_plugin_info():\n    raise RuntimeError('offline')\n",
    "RuntimeError: offline",
)
plugin(
    "info-sys-exit",
    "import sys\nfrom facialflow.products.hookspecs import hookimpl\n@hookimpl\ndef facialflow_plugin_info():\n    sys.exit(4)\n",
    "called sys.exit(4)",
)
plugin(
    "info-bad-field",
    "from facialflow.products.hookspecs import hookimpl, PluginInfo\n@hookimpl\ndef facialflow_plugin_info():\n    return PluginInfo(name=5, description='x')\n",
    "InvalidTypeError: name: expected a string",
)
plugin("no-info-hook", "x = 1\n", "must implement facialflow_plugin_info")
plugin("unknown-hook", INFO + "@hookimpl\ndef facialflow_colour():\n    return 1\n", "invalid")
plugin(
    "candidates-a-dict",
    INFO + CANDIDATES + "    return {}\n",
    "facialflow_candidates must return a list of Candidate",
    "got dict",
    args=RANDOM,
)
plugin(
    "candidates-strings",
    INFO + CANDIDATES + "    return ['retinol']\n",
    "got str 'retinol' at [0]",
    args=RANDOM,
)
plugin(
    "candidates-sys-exit",
    INFO + "import sys\n" + CANDIDATES + "    sys.exit(5)\n",
    "called sys.exit(5)",
    args=RANDOM,
)
plugin(
    "candidates-bad-product",
    INFO + CANDIDATES + "    return [Candidate('retinol')]\n",
    "product: expected a Product",
    args=RANDOM,
)
plugin(
    "candidates-raise",
    INFO + CANDIDATES + "    raise ValueError('catalog offline')\n",
    "raised ValueError: catalog offline",
    args=RANDOM,
)

# -- the session store's commands ---------------------------------------------------------------

START = ("session", "start", "--db", "{dir}/s.db", "--client", "{dir}/c.json", "--date", DAY)
client("via-session-start", {"fitzpatrick": 0}, "fitzpatrick", args=START)
client(
    "session-start-dose-after-session",
    {"isotretinoin_last_dose": "2026-03-01"},
    "isotretinoin_last_dose",
    "after the session date",
    args=START,
)
option(
    "session-wavelength-nan",
    (*START, "--wavelength", "nan"),
    "--wavelength",
    "not a finite number",
    files=CLIENT_FILE,
)
option("session-fluence-negative", (*START, "--fluence", "-2"), "--fluence", files=CLIENT_FILE)
option(
    "session-expect-revision-nan",
    ("session", "advance", "--db", "{dir}/s.db", "s-1", "--expect-revision", "nan"),
    "--expect-revision",
    "not an integer",
)
option(
    "session-record-file-utf16",
    (*START, "--record", "{dir}/r.json"),
    "r.json",
    "UTF-16",
    files={**CLIENT_FILE, "r.json": '{"performers": ["A"]}'.encode("utf-16")},
)
option(
    "session-record-file-duplicate-key",
    (*START, "--record", "{dir}/r.json"),
    "duplicate key 'aftercare'",
    files={**CLIENT_FILE, "r.json": '{"aftercare": "a", "aftercare": "b"}'},
)

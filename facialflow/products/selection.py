"""Choosing a session's products from what the plugins propose.

Plugins propose :class:`~facialflow.products.hookspecs.Candidate` products; this module
ranks them, drops every unsafe one (:mod:`facialflow.products.safety`, after all
plugins, so none can bypass it) and picks:

- one cleanser, one exfoliant, one mask, one moisturiser and one SPF 30+
  sunscreen, plus a soothing product and a mineral sunscreen for the safe exit;
- serums: the best safe serum for each concern in the client's order, at most
  ``policy.products.max_serums``, never two that conflict (R23), and on
  sensitive skin at most one irritant active (R24).

Tie-break, documented and deterministic: lower rank first, then the concern
listed earlier by the client, then the plugin loaded earlier, then the
product name. When a filter removes the preferred product, the next safe one is
taken and a warning says what was replaced and why; when nothing safe remains
the step is reported in ``missing`` instead of applying something unsafe.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from facialflow.clinic.policy import Policy, ProductPolicy
from facialflow.clinic.screening import Screening
from facialflow.model import Client, Condition, Product, ProductKind, Selection, SkinType
from facialflow.products.catalog import steps_for_kind
from facialflow.products.hookspecs import Candidate, SelectionContext
from facialflow.products.ingredients import (
    IngredientClass,
    classes_of,
    product_classes,
    relevant_allergies,
    unknown_ingredients,
    unknown_warning,
)
from facialflow.products.safety import (
    IRRITANT_ACTIVES,
    ProfileKey,
    SafetyProfile,
    conflicts,
    may_conflict,
    profile_key,
    profile_of,
    profile_problems,
    step_problems,
)

__all__ = [
    "CLIENT_READS",
    "CONDITIONS_READ",
    "SUNSCREEN_MISSING",
    "choose_products",
    "forget_verdicts",
    "selection_context",
]

#: the ``missing`` key that means no tolerated SPF 30+ sunscreen exists: the session cannot end safely
SUNSCREEN_MISSING = "hydration (sunscreen)"

_SINGLE_STEPS = ("cleansing", "exfoliation")


def selection_context(screening: Screening) -> SelectionContext:
    f = screening.facts
    return SelectionContext(
        exfoliation=screening.exfoliation,
        extraction_today=f.extraction_indicated,
        laser_today=f.laser_indicated,
        policy=screening.policy,
        after_procedure=screening.after_procedure,
        calming_only=screening.calming_only,
    )


#: each step's candidates, best first, by (step, kind), and each concern's serums
_Ranked = dict[tuple[str, Any], list[tuple[Candidate, str]]]


class _Chooser:
    """State of one selection run (not shared): chosen products, warnings, gaps."""

    def __init__(
        self, client: Client, context: SelectionContext, policy: Policy, plugins: Any
    ) -> None:
        self.client = client
        self.context = context
        self.policy = policy
        self.plugins = plugins
        self.profile = _profile(client, getattr(plugins, "offer_names", None))
        self.tables = _verdicts(self.profile, context, policy.products)
        self.steps: dict[str, tuple[Product, ...]] = {}
        self.chosen: list[Product] = []
        #: the chosen products that could clash with another (R23), in the order chosen
        self.conflicting: list[Product] = []
        #: the warning each chosen product's unknown ingredients call for, in the order chosen
        self.notes: dict[Product, str] = {}
        self.warnings: list[str] = []
        self.missing: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self._ranked = self._rank_all()

    def _rank_all(self) -> _Ranked:
        # plain offers rank the same for every client with their offers key: ranked once
        # per plugin set and key (the lists are shared: nothing here changes them)
        keyed = getattr(self.plugins, "offers_key", None)
        key = keyed(self.client, self.context) if keyed is not None else None
        if key is not None:
            hit: _Ranked | None = self.plugins.offers_memo.get(key)
            if hit is not None:
                return hit
        ranked = self._rank(self.plugins.candidates(self.client, self.context))
        if key is not None:
            self.plugins.offers_memo[key] = ranked
        return ranked

    def _rank(self, cands: list[tuple[Candidate, str]]) -> _Ranked:
        order = {c: i for i, c in enumerate(self.client.concerns)}
        plugin_order = {p.name: i for i, p in enumerate(self.plugins.plugins)}
        far = len(order)
        cands.sort(
            key=lambda cp: (
                cp[0].rank,
                order.get(cp[0].concern, far) if cp[0].concern else far,
                plugin_order.get(cp[1], 0),
                cp[0].product.name,
            )
        )
        # each step's candidates, and those of each kind (hydration takes a moisturiser and
        # a sunscreen); the serums for each concern (a serum offered without a concern
        # serves every concern)
        by_step: dict[tuple[str, Any], list[tuple[Candidate, str]]] = {}
        for cp in cands:
            for key in _step_keys(cp[0].product.kind):
                listed = by_step.get(key)
                if listed is None:
                    by_step[key] = [cp]
                else:
                    listed.append(cp)
        serums = by_step.get(("serums", None), [])
        for concern in self.client.concerns:
            by_step[(_SERUMS_FOR, concern)] = [c for c in serums if c[0].concern in (concern, None)]
        return by_step

    def ranked(self, step: str, kind: Any = None) -> list[tuple[Candidate, str]]:
        return self._ranked.get((step, kind), _NO_CANDIDATES)

    def pick(
        self,
        cands: Sequence[tuple[Candidate, str]],
        what: tuple[str, Any],
        step: str | None = None,
        extra: Any = None,
    ) -> Product | None:
        """The first safe candidate; warn when a better-ranked one was filtered out.

        A candidate's problems, in the order they are reported: the filter's for
        this client and session, clashes with the products chosen so far (R23),
        what ``step`` asks of it, and ``extra``'s.
        """
        # the rejected candidates' reasons by product name (made on the first rejection)
        rejected: dict[str, str] | None = None
        table = self.tables.get(step)
        if table is None:
            table = self.tables.setdefault(step, {})
        conflicting = self.conflicting
        for cand, plugin in cands:
            product = cand.product
            verdict = table.get(id(product))
            if verdict is None or verdict[0] is not product:
                verdict = self.judge(product, step, table)
            # most candidates pass or fail on the kept verdict alone: the reasons are
            # spelled out only for a rejected one
            if (
                verdict[4]
                and not (
                    conflicting
                    and verdict[3]
                    and any(conflicts(product, other) for other in conflicting)
                )
                and (extra is None or not extra(product))
            ):
                if rejected:
                    first = next(iter(rejected.values()))
                    self.warnings.append(f"{_label(*what)}: replaced {first} with {product.name!r}")
                self.chosen.append(product)
                if verdict[3]:
                    conflicting.append(product)
                if verdict[5] is not None:
                    self.notes.setdefault(product, verdict[5])
                self.sources[product.name] = plugin
                return product
            # one product offered twice (say for two concerns) is reported once
            if rejected is None:
                rejected = {}
            if product.name not in rejected:
                why = "; ".join(self._reasons(verdict, extra))
                rejected[product.name] = f"{product.name!r} ({why})"
        if rejected:
            self.missing[_label(*what)] = "no safe product: " + "; ".join(
                list(rejected.values())[:3]
            )
        else:
            self.missing[_label(*what)] = "no plugin offers a product"
        return None

    def _reasons(self, verdict: Verdict, extra: Any) -> list[str]:
        """Every reason a candidate was rejected, in the order :meth:`pick` documents."""
        product, problems, after, could_clash, _, _ = verdict
        clashes = (
            [c for other in self.conflicting if (c := conflicts(product, other))]
            if could_clash
            else []
        )
        more = extra(product) if extra is not None else []
        return [*problems, *clashes, *after, *more]

    def judge(self, product: Product, step: str | None, table: dict[int, Verdict]) -> Verdict:
        """What the filter says of ``product`` at ``step`` for this profile and session (kept)."""
        pp = self.policy.products
        problems = profile_problems(product, self.profile, self.context, pp)
        after = step_problems(product, step, pp) if step is not None else ()
        verdict = (
            product,
            problems,
            after,
            may_conflict(product),
            not problems and not after,
            _unknown_note(product),
        )
        # keyed by identity (a C call, not the product's hash); the entry holds the product,
        # so its id is not another product's while the entry lives. Bounded in all: a plugin
        # that makes new products for every session must not grow them without end
        if _KEPT[0] >= _MAX_KEPT:
            forget_verdicts()
        _KEPT[0] += 1
        table[id(product)] = verdict
        return verdict

    def single(self, step: str, kind: ProductKind | None = None, extra: Any = None) -> None:
        product = self.pick(
            self._ranked.get((step, kind), _NO_CANDIDATES), (step, kind), step, extra
        )
        if product is not None:
            self.steps[step] = (*self.steps.get(step, ()), product)

    def serums(self) -> None:
        chosen: list[Product] = []
        # membership by value, as a list's: equal products hash alike
        taken: set[Product] = set()
        irritant_taken = False
        # rosacea gets the sensitive-skin exclusions whatever the skin type (R24)
        sensitive = self.client.skin_type is SkinType.SENSITIVE or self.profile.rosacea
        limit = self.policy.products.max_serums
        # the irritant actives of the chosen products' strengths; the exfoliant counts
        # too: a glycolic serum right after a glycolic peel stacks
        irritant: set[str] = set()
        for c in self.chosen:
            irritant.update(_irritant_actives(c))

        def stacking(product: Product) -> list[str]:
            if sensitive and irritant_taken and _is_irritant(product):
                return ["a second irritant active on sensitive skin (R24)"]
            if product in taken:
                return ["already chosen"]
            # two serums built on the same irritant active add irritation, not benefit (the
            # set holds only irritant actives: its overlap with the strengths is this)
            if irritant:
                shared = sorted(irritant.intersection(_irritant_actives(product)))
                if shared:
                    return [f"duplicates the active {', '.join(shared)}"]
            return []

        for concern in self.client.concerns:
            if len(chosen) >= limit:
                self.warnings.append(
                    f"serums: at most {limit} serums per session; none added for {concern}"
                )
                continue
            mine = self._ranked.get((_SERUMS_FOR, concern), _NO_CANDIDATES)
            if chosen:
                mine = [c for c in mine if c[0].product not in taken]
            if not mine:
                continue
            product = self.pick(mine, ("serums", concern), extra=stacking)
            if product is not None:
                chosen.append(product)
                taken.add(product)
                irritant.update(_irritant_actives(product))
                irritant_taken = irritant_taken or _is_irritant(product)
        if chosen:
            self.steps["serums"] = tuple(chosen)
            for key in [k for k in self.missing if k.startswith("serums (")]:
                self.warnings.append(f"{key}: {self.missing.pop(key)}")
        else:
            reasons = [self.missing.pop(k) for k in list(self.missing) if k.startswith("serums (")]
            self.missing["serums"] = reasons[0] if reasons else "no plugin offers a serum"


#: a product's verdict at a step: the product, the filter's problems for the client and the
#: session, what the step asks, whether it could clash with another product (R23), whether
#: the filter and the step found nothing, and the warning its unknown ingredients call for
Verdict = tuple[Product, tuple[str, ...], tuple[str, ...], bool, bool, str | None]


#: verdicts kept in all, at most (counted loosely: a race may count one twice, and a
#: table the cache drops is not taken off; both only empty the tables sooner)
_MAX_KEPT = 1 << 18
_KEPT = [0]


@lru_cache(maxsize=16384)
def _verdicts(
    profile: SafetyProfile, context: SelectionContext, pp: ProductPolicy
) -> dict[str | None, dict[int, Verdict]]:
    """The verdicts kept for a safety profile and session, by step: filled as selections ask."""
    return {}


def forget_verdicts() -> None:
    """Forget every kept verdict: after the filter's functions were replaced (a test, a
    planted bug), or to give the memory back."""
    _verdicts.cache_clear()
    _KEPT[0] = 0
    _PROFILES.clear()
    _CONTEXTS.clear()


#: safety profiles by what they are made of (bounded; a race keeps either of two equals)
_PROFILES: dict[ProfileKey, SafetyProfile] = {}


def _profile(client: Client, offered: frozenset[str] | None) -> SafetyProfile:
    """The client's safety profile, one object per distinct value.

    With every plugin a plain offer plugin (``offered``: every ingredient and tag
    they offer), the profile keeps only the allergies that could meet an offered
    product: no other can change a verdict, so clients who differ only in those
    share their kept verdicts. The kept ones stay in the client's order and words
    (warnings quote them).
    """
    allergies = client.allergies
    if allergies and offered is not None:
        allergies = relevant_allergies(allergies, offered)
    key = profile_key(client, allergies)
    kept = _PROFILES.get(key)
    if kept is None:
        if len(_PROFILES) >= 1 << 16:
            _PROFILES.clear()
        kept = _PROFILES[key] = profile_of(key)
    return kept


@lru_cache(maxsize=8192)
def _irritant_actives(product: Product) -> frozenset[str]:
    """The strengths of ``product`` that name an irritant active (R24 stacking)."""
    return frozenset(a for a in product.strengths if classes_of(a) & IRRITANT_ACTIVES)


@lru_cache(maxsize=8192)
def _is_irritant(product: Product) -> bool:
    return bool(product_classes(product) & IRRITANT_ACTIVES)


#: selection contexts by the screening they were made from (bounded; the entry holds it)
_CONTEXTS: dict[int, tuple[Screening, SelectionContext]] = {}
#: every distinct selection context seen, one object each, so the kept verdicts' keys
#: compare by identity (few: a handful of booleans and a policy name)
_CONTEXT_VALUES: dict[SelectionContext, SelectionContext] = {}


def _context(screening: Screening) -> SelectionContext:
    hit = _CONTEXTS.get(id(screening))
    if hit is not None and hit[0] is screening:
        return hit[1]
    if len(_CONTEXTS) >= 1 << 14:
        _CONTEXTS.clear()
    if len(_CONTEXT_VALUES) >= 1 << 12:
        _CONTEXT_VALUES.clear()
    made = selection_context(screening)
    context = _CONTEXT_VALUES.setdefault(made, made)
    _CONTEXTS[id(screening)] = (screening, context)
    return context


@lru_cache(maxsize=64)
def _step_keys(kind: ProductKind) -> tuple[tuple[str, ProductKind | None], ...]:
    """The ranked lists a product of ``kind`` goes in: each of its steps', and by kind."""
    return tuple(key for step in steps_for_kind(kind) for key in ((step, None), (step, kind)))


#: the key of a concern's serums among the ranked lists
_SERUMS_FOR = "serums for"


def _label(step: str, detail: Any) -> str:
    """How warnings and ``missing`` name a pick: ``hydration (sunscreen)``, ``serums (acne)``."""
    return step if detail is None else f"{step} ({detail})"


@lru_cache(maxsize=8192)
def _unknown_note(product: Product) -> str | None:
    unknown = unknown_ingredients(product)
    return unknown_warning(product, unknown) if unknown else None


#: no candidates for a step
_NO_CANDIDATES: list[tuple[Candidate, str]] = []


def _calming(candidate: Candidate) -> bool:
    """A product of the post-procedure calming set: soothing classes, no strong active."""
    classes = product_classes(candidate.product)
    return IngredientClass.SOOTHING in classes and IngredientClass.STRONG_ACTIVE not in classes


def _mineral(product: Product) -> tuple[str, ...]:
    if IngredientClass.MINERAL_FILTER not in product_classes(product):
        return ("not a mineral sunscreen",)
    return ()


#: the Client fields :func:`choose_products` reads besides the screening (offers: the skin
#: type and the concerns in order; the safety filter: see ``profile_key``). Selections
#: are memoised on exactly these; ``allergies`` matter only as far as they meet the
#: offered ingredients and tags, and of the assessment only the prescription reference
CLIENT_READS: tuple[str, ...] = (
    "skin_type",
    "concerns",
    "pregnant",
    "breastfeeding",
    "allergies",
    "assessment.prescription_reference",
    # rosacea gets the sensitive-skin exclusions (R24)
    "conditions",
)

#: of the ``conditions``, the only ones selection reads (through ``profile_key``): memoised
#: selections key on the client's conditions among these, so a rule reading another one must
#: add it here (a test changes every other condition and expects the same products)
CONDITIONS_READ: frozenset[Condition] = frozenset({Condition.ROSACEA})


def choose_products(
    client: Client, screening: Screening, policy: Policy, *, plugins: Any = None
) -> Selection:
    """Products for every step of this client's session (nothing when it is declined)."""
    if screening.declined:
        return Selection(steps={})
    if plugins is None:
        from facialflow.products.loading import load_plugins

        plugins = load_plugins()
    ch = _Chooser(client, _context(screening), policy, plugins)
    for step in _SINGLE_STEPS:
        ch.single(step)
    ch.serums()
    ch.single("mask")
    calm = ch.context.after_procedure or ch.context.calming_only
    if calm and ch.steps.get("mask"):
        usual = next((c.product.name for c, _ in ch.ranked("mask") if not _calming(c)), None)
        chosen = ch.steps["mask"][0].name
        if usual is not None and usual != chosen:
            # R28: the concern's usual mask gives way to the post-procedure calming set
            ch.warnings.append(
                f"mask: post-procedure calming set: {chosen!r} instead of the usual {usual!r} (R28)"
            )
    ch.single("hydration", ProductKind.MOISTURIZER)
    ch.single("hydration", ProductKind.SUNSCREEN)
    ch.single("safe_exit_soothe")
    ch.single("safe_exit_protect", ProductKind.SUNSCREEN, _mineral)
    ch.warnings.extend(ch.notes.values())
    return Selection(
        steps=ch.steps,
        warnings=tuple(ch.warnings),
        missing=ch.missing,
        sources=ch.sources,
    )

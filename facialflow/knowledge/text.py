"""How a name a person typed becomes the key the knowledge base is indexed by.

Two spellings of one substance must meet in one key whatever keyboard, PDF or
label they came from: fullwidth or accented letters, zero-width characters
pasted from web pages, typographic dashes and quotes, INCI's parenthetical
common names (``Butyrospermum Parkii (Shea) Butter``) and slash-joined dual
names (``Parfum/Fragrance``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["candidate_keys", "match_key", "medication_tokens", "normalize_name", "plural_keys"]

# removed before NFKC: NFKC would turn "™" into the letters "tm" and glue them to the name
_DROP = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00ae\u2122\u00a9\u2120"), None
)
_UNIFY = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    }
)
# a period inside a number is a decimal point ("0.05"), anywhere else it is punctuation ("st. john's")
_STRAY_PERIOD = re.compile(r"(?<!\d)\.|\.(?!\d)")
_PAREN = re.compile(r"^(?P<pre>.*?)\s*[(\[](?P<inner>[^()\[\]]*)[)\]]\s*(?P<post>.*)$")
_STRENGTH = re.compile(r"\b\d+(?:[.,]\d+)?\s*%")
_MED_SEPARATORS = re.compile(r"[-/+,;:()\[\]&]")


@lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """The canonical spelling of any name: NFKC, no zero-width or accent marks, casefolded.

    Dashes and quotes are unified to ``-`` and ``'`` and whitespace runs become one
    space, so fullwidth ``SHEA  Butter``, ``"shéa butter"`` and ``"sh\\u200bea butter"`` are
    all ``"shea butter"``.
    """
    text = unicodedata.normalize("NFKC", str(text).translate(_DROP)).translate(_UNIFY).casefold()
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    # NFKD also split Hangul and similar scripts into jamo; compose them back
    return " ".join(unicodedata.normalize("NFC", stripped).split())


@lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """The index key: :func:`normalize_name` with hyphens, quotes and stray periods neutral.

    ``l-ascorbic acid`` and ``l ascorbic acid``, ``jessner's solution`` and
    ``jessners solution`` share a key; label markers such as a trailing ``*`` are dropped.
    """
    text = normalize_name(text).replace("-", " ").replace("'", "").replace('"', "")
    text = _STRAY_PERIOD.sub(" ", text).replace("*", " ").replace("\u2020", " ")
    return " ".join(text.split())


def _paren_variants(text: str, depth: int = 0) -> Iterator[str]:
    found = _PAREN.match(text)
    if found is None or depth > 3:
        return
    pre, inner, post = found["pre"], found["inner"].strip(), found["post"]
    # INCI puts the common name in brackets after the botanical name it replaces
    for variant in (
        f"{pre} {post}",
        f"{inner} {post}",
        f"{pre} {inner} {post}",
        inner,
        pre,
    ):
        variant = " ".join(variant.split())
        if variant:
            yield variant
            yield from _paren_variants(variant, depth + 1)


@lru_cache(maxsize=16384)
def candidate_keys(text: str) -> tuple[str, ...]:
    """Keys to try for one written name, most literal first.

    The name itself; with each bracketed part removed, substituted for the
    botanical prefix, or on its own; each part of a slash-joined dual name; and
    the name without a percentage strength.
    """
    base = normalize_name(text)
    forms: list[str] = [base, *_paren_variants(base)]
    if "/" in base:
        for part in base.split("/"):
            forms.extend((part, *_paren_variants(part.strip())))
    without_strength = _STRENGTH.sub(" ", base)
    if without_strength != base:
        forms.append(without_strength)
    keys = (match_key(f) for f in forms)
    return tuple(dict.fromkeys(k for k in keys if k))


def plural_keys(key: str) -> tuple[str, ...]:
    """Singular readings of a plural word (``ceramides``, ``clays``, ``parabens``)."""
    out: list[str] = []
    if key.endswith("ies") and len(key) > 4:
        out.append(key[:-3] + "y")
    if key.endswith("es") and len(key) > 3:
        out.append(key[:-2])
    if key.endswith("s") and not key.endswith("ss") and len(key) > 2:
        out.append(key[:-1])
    return tuple(out)


@lru_cache(maxsize=16384)
def medication_tokens(text: str) -> tuple[str, ...]:
    """The words of a medication line, with separators such as ``/`` ``-`` ``+`` as spaces.

    Strengths and dose forms ("0.05%", "100 mg", "cream", "tablets") stay as
    tokens: the lookup looks for known name spans and simply never matches them.
    """
    text = _MED_SEPARATORS.sub(" ", normalize_name(text)).replace("'", "").replace('"', "")
    return tuple(_STRAY_PERIOD.sub(" ", text).split())

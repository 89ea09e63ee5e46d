"""The safety review's probe catalog, shared by the tests that replay the review."""

from __future__ import annotations

#: the three filter holes: a tag as the only UV filter (S1), actives in a sunscreen after a
#: procedure (S2), actives and fragrance on the safe exit (S3)
FILTER_HOLES_CATALOG = """
name = "probe"
[[products]]
name = "Fake SPF"
kind = "sunscreen"
ingredients = ["water", "glycerin"]
tags = ["zinc oxide"]
spf = 50
rank = -100

[[products]]
name = "Retinol SPF"
kind = "sunscreen"
ingredients = ["zinc oxide", "retinol", "menthol", "azelaic acid"]
spf = 50
rank = -50

[[products]]
name = "Acid Soothe"
kind = "soothing"
ingredients = ["glycolic acid", "retinol", "menthol", "fragrance"]
strengths = { "glycolic acid" = 10.0 }
rank = -100
"""

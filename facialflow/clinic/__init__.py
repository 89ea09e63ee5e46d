"""Clinical judgement as data: the policy and its presets, intake screening, adverse reactions."""

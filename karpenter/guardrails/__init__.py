"""Guardrails: pure rule functions over one resource's type, name and inputs, shared by the policy
pack (`policy/`) and offline synth. Imports only the standard library and `karpenter.vocabulary`,
so the pack's own venv can load them."""

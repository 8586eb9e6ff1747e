"""Guardrails: pure rule functions over one resource's type, name and inputs, shared by the policy
pack (`policy/`) and offline synth. Standard library only, so the pack's own venv can load them."""

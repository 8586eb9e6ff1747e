"""Cluster facts: what the stack knows of its cluster (looked up, planned, or given by a caller),
and where nodes go. Imports config and vocabulary only."""

"""Kubernetes: release values and node-pool chart values as plain data, and the Helm releases that
carry them. Imports cluster, config and vocabulary; never aws or offline tooling."""

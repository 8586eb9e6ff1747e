"""Preflight: `python -m karpenter doctor`, a read-only check of the live account and cluster against
a stack before `pulumi up`. Facts are read (boto3, the kubernetes client) apart from the checks, which
are pure functions from facts to verdicts. Imports catalog, config, cluster and vocabulary; boto3 and the
kubernetes client load only when the command runs; only the command line imports this folder, and
`make catalog` the instance-type catalog's readers (catalog_reader)."""

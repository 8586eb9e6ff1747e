"""Migration from the v0.x runbook: `convert` (the runbook's Helm values into a stack file) and
`drain-legacy` (the nodes v0 launched, drained one at a time and terminated). Value conversion is
pure; reading files, the cluster and AWS stays apart. Imports config, cluster and vocabulary; boto3
and the kubernetes client load only when a command runs; only the command line imports this folder."""

"""Config: the validated model of every `karpenter:*` key, the error rendering, and stack-file
reading. Imports nothing of ours but `karpenter.vocabulary`."""

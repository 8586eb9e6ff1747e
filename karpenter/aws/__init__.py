"""AWS: IAM documents as data, and one component per concern (node and controller identities,
discovery tags, node access, the spot role, interruption, a new EKS cluster). Imports cluster, config
and vocabulary; never kubernetes or offline tooling."""

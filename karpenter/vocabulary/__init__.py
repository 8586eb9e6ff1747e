"""Shared vocabulary: facts about the world every stage uses (EC2 instance families, Kubernetes
resource names, the upstream chart's value keys, AWS name limits, the system node label). Standard
library only; imports nothing of ours."""

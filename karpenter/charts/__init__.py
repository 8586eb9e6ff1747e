"""Where the Helm charts shipped inside this package are, wherever the package is installed; their
digests (`digest.py`), which roll a change of a chart out."""

from pathlib import Path

# The local chart of NodePools and EC2NodeClasses; the files beside this module are package data.
CONFIG_CHART_DIR = Path(__file__).resolve().parent / "karpenter-config"

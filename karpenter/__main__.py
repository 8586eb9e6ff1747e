"""`python -m karpenter`: the offline command line (synth), in `karpenter.offline.cli`."""

import gc
import sys

from karpenter.offline import lazy_packages
from karpenter.offline.workers import FEW_COLLECTIONS


def run() -> int:
    # Before the SDKs load, which is when most of the collections would run.
    gc.set_threshold(*FEW_COLLECTIONS)
    lazy_packages.install()
    from karpenter.offline.cli import main

    code = main()
    # Everything loaded lives until the process ends: the last full collection at exit would only
    # walk it, and took a fifth of a one-stack synth.
    gc.freeze()
    return code


sys.exit(run())

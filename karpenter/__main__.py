"""`python -m karpenter`: the offline command line (synth), in `karpenter.offline.cli`."""

import sys

from karpenter.offline.cli import main

sys.exit(main())

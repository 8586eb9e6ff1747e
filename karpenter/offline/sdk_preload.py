"""Imported before synth forks its workers (`workers.PRELOAD`): the SDK names a render uses, each
service package loaded name by name (`lazy_packages`), so that every worker starts with them."""

from karpenter.offline import lazy_packages, sdk_classes

lazy_packages.install()
sdk_classes.load(sdk_classes.USED)

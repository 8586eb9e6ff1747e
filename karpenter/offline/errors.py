"""Why synth could not run, as one line."""


class SynthError(Exception):
    """Synth could not run: the message says why."""

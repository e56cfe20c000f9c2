"""Errors that reach a user: what happened, and what to do. Never a traceback (FLOWRT_DEBUG=1 shows one)."""


class FlowrtError(Exception):
    """A problem with the input or the environment, reported as `flowrt: error: MESSAGE` + `help: HINT`."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


class GateFailed(FlowrtError):
    """An evaluation gate failed: exit code 1, so the release that requires it never runs."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint, exit_code=1)

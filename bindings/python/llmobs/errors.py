"""llmobs_status codes as Python exceptions."""

import enum

from ._lib import lib


class Status(enum.IntEnum):
    """llmobs_status (append-only, like the C enum)."""
    OK = 0
    EINVAL = 1
    ENOMEM = 2
    ESTATE = 3
    ETIMEOUT = 4
    EFULL = 5
    EIO = 6
    ENOTFOUND = 7
    EEXIST = 8
    ELIMIT = 9
    EUNSUPPORTED = 10
    ENETWORK = 11
    EPARSE = 12
    EBUDGET = 13
    EINTERNAL = 14


class LlmobsError(Exception):
    """A call into libllmobs failed. `.status` is the llmobs_status (a Status when known),
    `.detail` the library's llmobs_last_error() text (names the key or field at fault)."""

    def __init__(self, status, detail="", context=""):
        self.status = Status(status) if status in Status._value2member_map_ else status
        self.detail = detail
        self.context = context
        name = _status_name(status)
        parts = [p for p in (context, detail or _status_str(status)) if p]
        super().__init__("%s: %s" % (name, ": ".join(parts)))


class InvalidArgument(LlmobsError, ValueError):
    """LLMOBS_EINVAL: a NULL or malformed argument."""


class OutOfMemory(LlmobsError, MemoryError):
    """LLMOBS_ENOMEM."""


class InvalidState(LlmobsError):
    """LLMOBS_ESTATE: wrong state, e.g. ended twice or used after shutdown."""


class Timeout(LlmobsError, TimeoutError):
    """LLMOBS_ETIMEOUT: a deadline passed before the work finished."""


class QueueFull(LlmobsError):
    """LLMOBS_EFULL: the queue is full; the item was counted as dropped."""


class IOFailure(LlmobsError):
    """LLMOBS_EIO: file or socket I/O failed."""


class NotFound(LlmobsError, LookupError):
    """LLMOBS_ENOTFOUND: no such key, model or item."""


class AlreadyExists(LlmobsError):
    """LLMOBS_EEXIST: exists with a different definition."""


class LimitExceeded(LlmobsError):
    """LLMOBS_ELIMIT: a configured limit refused the request."""


class Unsupported(LlmobsError):
    """LLMOBS_EUNSUPPORTED: not supported by this build or configuration."""


class NetworkError(LlmobsError):
    """LLMOBS_ENETWORK: a network request failed."""


class ParseError(LlmobsError, ValueError):
    """LLMOBS_EPARSE: input text could not be parsed."""


class BudgetExceeded(LlmobsError):
    """LLMOBS_EBUDGET: the call would exceed a budget."""


class InternalError(LlmobsError):
    """LLMOBS_EINTERNAL: a bug in llmobs."""


EXCEPTIONS = {
    Status.EINVAL: InvalidArgument,
    Status.ENOMEM: OutOfMemory,
    Status.ESTATE: InvalidState,
    Status.ETIMEOUT: Timeout,
    Status.EFULL: QueueFull,
    Status.EIO: IOFailure,
    Status.ENOTFOUND: NotFound,
    Status.EEXIST: AlreadyExists,
    Status.ELIMIT: LimitExceeded,
    Status.EUNSUPPORTED: Unsupported,
    Status.ENETWORK: NetworkError,
    Status.EPARSE: ParseError,
    Status.EBUDGET: BudgetExceeded,
    Status.EINTERNAL: InternalError,
}


def _status_name(status):
    return lib().llmobs_status_name(int(status)).decode()


def _status_str(status):
    return lib().llmobs_status_str(int(status)).decode()


def last_error():
    """llmobs_last_error() of the calling thread, as str."""
    msg = lib().llmobs_last_error()
    return msg.decode("utf-8", "replace") if msg else ""


def error_for(status, context=""):
    """The exception for a failed status, carrying llmobs_last_error() (read right away: it
    is valid only until the next llmobs call on this thread)."""
    detail = last_error()
    cls = EXCEPTIONS.get(status, LlmobsError)
    return cls(status, detail, context)


def check(status, context=""):
    """Raises the exception for `status` unless it is LLMOBS_OK."""
    if status != 0:
        raise error_for(status, context)

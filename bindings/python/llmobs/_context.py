"""The current trace or observation of this thread / asyncio task (a contextvars.ContextVar).

Entering a Trace or Observation as a context manager makes it current until the block exits;
asyncio tasks inherit a copy of their creator's context, and a new thread starts with none
(hand one over with llmobs.use(item) or contextvars.copy_context().run(...))."""

import contextvars

current = contextvars.ContextVar("llmobs_current", default=None)


def push(item):
    item._tokens.append(current.set(item))


def pop(item):
    if not item._tokens:
        return
    token = item._tokens.pop()
    try:
        current.reset(token)
    except ValueError:
        # Left in another context than it was entered in (a generator resumed elsewhere):
        # restore what was current before, without the token.
        current.set(token.old_value if token.old_value is not contextvars.Token.MISSING
                    else None)

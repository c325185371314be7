"""Cost: prices, spend per feature/model/user, daily budgets with alerts and a pre-call guard.

The budget alert callback runs on the thread whose recording (llmobs_cost_record or a
generation's end) crossed the threshold, after the library released its locks; the binding
holds no Python lock around those calls, so the callback may call back into llmobs.
"""

import ctypes
import math

from . import _util
from ._lib import BUDGET_FN, lib
from .client import CallbackErrors, build_options, make_log_callback
from .errors import InvalidState, check, error_for

__all__ = ["CostTracker", "BudgetCheck", "PRICE_KINDS", "COST_KINDS", "COST_OTHER",
           "COST_NO_FEATURE"]

PRICE_KINDS = ("input", "output", "cache_read", "cache_write", "reasoning")
COST_KINDS = PRICE_KINDS + ("total",)
COST_OTHER = "__other__"
COST_NO_FEATURE = "unknown"


class BudgetCheck:
    """Result of CostTracker.budget_check: truthy when the estimate fits the budget.
    `remaining` is the budget left before the call (math.inf without a budget)."""

    __slots__ = ("ok", "remaining", "feature", "estimate")

    def __init__(self, ok, remaining, feature, estimate):
        self.ok, self.remaining, self.feature, self.estimate = ok, remaining, feature, estimate

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "BudgetCheck(ok=%r, remaining=%r, feature=%r, estimate=%r)" % (
            self.ok, self.remaining, self.feature, self.estimate)


def _prices_array(prices):
    if prices is None:
        return None
    if not isinstance(prices, dict):
        raise TypeError("prices must be a dict of %s -> USD per 1M tokens" % "/".join(PRICE_KINDS))
    arr = (ctypes.c_double * len(PRICE_KINDS))(*([-1.0] * len(PRICE_KINDS)))
    for k, v in prices.items():
        if k not in PRICE_KINDS:
            raise ValueError("unknown price kind %r (known: %s)" % (k, ", ".join(PRICE_KINDS)))
        arr[PRICE_KINDS.index(k)] = _util.to_float(v, "price %r" % k)
    return arr


def _tokens(input, output, cache_read, cache_write, reasoning):
    return tuple(_util.to_int(v, name) for v, name in
                 ((input, "input"), (output, "output"), (cache_read, "cache_read"),
                  (cache_write, "cache_write"), (reasoning, "reasoning")))


class CostTracker:
    """A cost tracker: standalone (CostTracker(**options): prices_file, budgets,
    budget_thresholds) or the one a client owns (client.cost)."""

    def __init__(self, *, log_callback=None, **options):
        self._client = None
        self._keepalive = []
        self.callback_errors = CallbackErrors()
        opts = build_options(options, self._keepalive, self.callback_errors, log_callback)
        try:
            status = ctypes.c_int(0)
            h = lib().llmobs_cost_tracker_new(opts, ctypes.byref(status))  # opts not taken
            if not h:
                raise error_for(status.value, "llmobs_cost_tracker_new")
        finally:
            lib().llmobs_options_free(opts)
        self._own = h

    @classmethod
    def _of_client(cls, client):
        self = cls.__new__(cls)
        self._client = client  # the client owns the C tracker and keeps our callbacks alive
        self._keepalive = client._keepalive
        self.callback_errors = client.callback_errors
        self._own = None
        return self

    def _handle(self):
        if self._client is not None:
            h = lib().llmobs_client_cost_tracker(self._client._handle())
        else:
            h = self._own
        if not h:
            raise InvalidState(3, "the cost tracker was freed", "cost tracker")
        return h

    def close(self):
        """Frees a standalone tracker (no-op for a client's). Idempotent."""
        h, self._own = self._own, None
        if h:
            lib().llmobs_cost_tracker_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # -- callbacks ------------------------------------------------------------------------

    def set_log_callback(self, fn):
        """Log callback for the tracker's warnings (standalone trackers; a client's tracker
        logs through the client's log_callback)."""
        cb = make_log_callback(fn, self.callback_errors)
        self._keepalive.append(cb)
        check(lib().llmobs_cost_tracker_set_log_callback(self._handle(), cb, None),
              "cost log callback")

    def on_budget_alert(self, fn):
        """fn(feature, threshold, spent_usd, budget_usd, message) when a feature's spend
        crosses a threshold (once per threshold per UTC day). None removes the callback.
        Kept alive as long as the tracker's owner (the client or this tracker)."""
        if fn is None:
            check(lib().llmobs_cost_set_budget_callback(self._handle(), BUDGET_FN(), None),
                  "budget callback")
            return
        if not callable(fn):
            raise TypeError("budget alert callback must be callable, not %s"
                            % type(fn).__name__)
        errors = self.callback_errors

        def cb(feature, threshold, spent, budget, message, _ud):
            try:
                fn(feature.decode("utf-8", "replace") if feature else "", threshold, spent,
                   budget, message.decode("utf-8", "replace") if message else "")
            except BaseException:
                errors.record("budget alert callback")
        c = BUDGET_FN(cb)
        self._keepalive.append(c)
        check(lib().llmobs_cost_set_budget_callback(self._handle(), c, None), "budget callback")

    # -- prices ---------------------------------------------------------------------------

    def set_price(self, model, input, output, cache_read=-1.0, cache_write=-1.0,
                  reasoning=-1.0, context_window=0):
        """Prices in USD per 1M tokens (negative cache/reasoning: billed as input/output)."""
        check(lib().llmobs_cost_set_price(
            self._handle(), _util.cstr(model, "model"), _util.to_float(input, "input"),
            _util.to_float(output, "output"), _util.to_float(cache_read, "cache_read"),
            _util.to_float(cache_write, "cache_write"), _util.to_float(reasoning, "reasoning"),
            _util.to_int(context_window, "context_window")), "price of %r" % (model,))

    def load_prices(self, path):
        check(lib().llmobs_cost_load_prices_file(self._handle(), _util.cstr(str(path), "path")),
              "prices file")

    def resolve_model(self, model):
        """The price-table entry `model` resolves to (NotFound when none)."""
        h = self._handle()
        st, name = _util.read_str(lambda b, c: lib().llmobs_cost_resolve_model(
            h, _util.cstr(model, "model"), b, c), cap=512)
        check(st, "model %r" % (model,))
        return name

    def price(self, model, kind="input"):
        if kind not in PRICE_KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(PRICE_KINDS))
        v = ctypes.c_double(0)
        check(lib().llmobs_cost_get_price(self._handle(), _util.cstr(model, "model"),
                                          PRICE_KINDS.index(kind), ctypes.byref(v)),
              "price of %r" % (model,))
        return v.value

    def context_window(self, model):
        v = ctypes.c_int64(0)
        check(lib().llmobs_cost_context_window(self._handle(), _util.cstr(model, "model"),
                                               ctypes.byref(v)), "model %r" % (model,))
        return v.value

    def compute(self, model, input=0, output=0, cache_read=0, cache_write=0, reasoning=0,
                prices=None):
        """Cost of one call without recording it: {input, output, ..., total} in USD."""
        out = (ctypes.c_double * len(COST_KINDS))()
        check(lib().llmobs_cost_compute(self._handle(), _util.cstr(model, "model"),
                                        *_tokens(input, output, cache_read, cache_write,
                                                 reasoning),
                                        _prices_array(prices), out), "cost of %r" % (model,))
        return dict(zip(COST_KINDS, out))

    # -- spend ----------------------------------------------------------------------------

    def record(self, model, feature=None, user=None, *, input=0, output=0, cache_read=0,
               cache_write=0, reasoning=0, prices=None):
        """Prices a call and adds it to today's spend (may fire budget alerts on this
        thread). Returns the cost dict."""
        out = (ctypes.c_double * len(COST_KINDS))()
        check(lib().llmobs_cost_record(self._handle(), _util.cstr(model, "model"),
                                       _util.opt_cstr(feature, "feature"),
                                       _util.opt_cstr(user, "user"),
                                       *_tokens(input, output, cache_read, cache_write,
                                                reasoning),
                                       _prices_array(prices), out), "record %r" % (model,))
        return dict(zip(COST_KINDS, out))

    def record_usd(self, model, usd, feature=None, user=None):
        """Adds an amount already known in USD (e.g. provider-reported) to today's spend."""
        check(lib().llmobs_cost_record_usd(self._handle(), _util.cstr(model, "model"),
                                           _util.opt_cstr(feature, "feature"),
                                           _util.opt_cstr(user, "user"),
                                           _util.to_float(usd, "usd")), "record_usd")

    def spend(self, *, feature=None, model=None, user=None):
        """Today's spend (USD) of one feature, model or user; the total without arguments."""
        given = [(k, v) for k, v in (("feature", feature), ("model", model), ("user", user))
                 if v is not None]
        v = ctypes.c_double(0)
        L = lib()
        if not given:
            check(L.llmobs_cost_spend_total(self._handle(), ctypes.byref(v)), "spend")
            return v.value
        if len(given) > 1:
            raise TypeError("give one of feature, model, user")
        k, name = given[0]
        fn = {"feature": L.llmobs_cost_spend_feature, "model": L.llmobs_cost_spend_model,
              "user": L.llmobs_cost_spend_user}[k]
        check(fn(self._handle(), _util.cstr(name, k), ctypes.byref(v)), "spend of %s" % k)
        return v.value

    def set_user_limit(self, max_users):
        check(lib().llmobs_cost_set_user_limit(self._handle(),
                                               _util.to_int(max_users, "max_users", 0)),
              "user limit")

    def users(self):
        """[(user, usd)] tracked today (LLMOBS_COST_OTHER included when non-zero)."""
        out, i, v = [], 0, ctypes.c_double(0)
        h = self._handle()
        while True:
            buf = ctypes.create_string_buffer(1024)
            st = lib().llmobs_cost_user_at(h, i, buf, len(buf), ctypes.byref(v))
            if st == 7:  # ENOTFOUND: past the end
                return out
            check(st, "users")
            out.append((buf.value.decode("utf-8", "replace"), v.value))
            i += 1

    def features(self):
        """[(feature, spent_usd, budget_usd)] for today (budget 0 when none)."""
        out, i = [], 0
        spent, budget = ctypes.c_double(0), ctypes.c_double(0)
        h = self._handle()
        while True:
            buf = ctypes.create_string_buffer(1024)
            st = lib().llmobs_cost_feature_at(h, i, buf, len(buf), ctypes.byref(spent),
                                              ctypes.byref(budget))
            if st == 7:
                return out
            check(st, "features")
            out.append((buf.value.decode("utf-8", "replace"), spent.value, budget.value))
            i += 1

    def unknown_model_count(self, model):
        v = ctypes.c_uint64(0)
        check(lib().llmobs_cost_unknown_model_count(self._handle(), _util.cstr(model, "model"),
                                                    ctypes.byref(v)), "unknown model count")
        return v.value

    # -- budgets --------------------------------------------------------------------------

    def set_budget(self, feature, daily_usd):
        check(lib().llmobs_cost_set_budget(self._handle(), _util.cstr(feature, "feature"),
                                           _util.to_float(daily_usd, "daily_usd")),
              "budget of %r" % (feature,))

    def clear_budget(self, feature):
        check(lib().llmobs_cost_clear_budget(self._handle(), _util.cstr(feature, "feature")),
              "budget of %r" % (feature,))

    def budget(self, feature):
        """The daily budget of `feature` in USD, or None when it has none."""
        v = ctypes.c_double(0)
        st = lib().llmobs_cost_budget(self._handle(), _util.cstr(feature, "feature"),
                                      ctypes.byref(v))
        if st == 7:
            return None
        check(st, "budget of %r" % (feature,))
        return v.value

    def budget_remaining(self, feature):
        """max(0, budget - spent today), or None without a budget."""
        v = ctypes.c_double(0)
        st = lib().llmobs_cost_budget_remaining(self._handle(), _util.cstr(feature, "feature"),
                                                ctypes.byref(v))
        if st == 7:
            return None
        check(st, "budget of %r" % (feature,))
        return v.value

    def set_thresholds(self, fractions):
        vals = [_util.to_float(f, "threshold") for f in fractions]
        arr = (ctypes.c_double * len(vals))(*vals)
        check(lib().llmobs_cost_set_budget_thresholds(self._handle(), arr, len(vals)),
              "budget thresholds")

    def budget_check(self, feature, estimated_cost_usd):
        """Would spending `estimated_cost_usd` more today exceed the feature's budget?
        Returns a BudgetCheck, truthy when it fits (or there is no budget)."""
        est = _util.to_float(estimated_cost_usd, "estimated_cost_usd")
        v = ctypes.c_double(0)
        st = lib().llmobs_budget_check(self._handle(), _util.cstr(feature, "feature"), est,
                                       ctypes.byref(v))
        if st not in (0, 13):  # OK, EBUDGET
            raise error_for(st, "budget_check %r" % (feature,))
        return BudgetCheck(st == 0, v.value if math.isfinite(v.value) else math.inf, feature,
                           est)

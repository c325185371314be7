"""Scores: built with the llmobs_score_* builder, validated by the library, queued on send."""

import ctypes

from . import _util
from ._lib import lib
from .errors import check, error_for

DATA_TYPES = ("numeric", "boolean", "categorical", "text")


def send_score(client_handle, name, value, *, trace_id=None, observation_id=None,
               session_id=None, comment=None, metadata=None, environment=None, config_id=None,
               id=None, data_type=None):
    L = lib()
    cname = _util.cstr(name, "score name")
    if data_type is None:
        if isinstance(value, bool):
            data_type = "boolean"
        elif isinstance(value, (int, float)):
            data_type = "numeric"
        elif isinstance(value, str):
            data_type = "categorical"
        else:
            raise TypeError("score value must be bool, int, float or str, not %s"
                            % type(value).__name__)
    if data_type not in DATA_TYPES:
        raise ValueError("data_type must be one of %s, got %r" % (", ".join(DATA_TYPES),
                                                                   data_type))
    status = ctypes.c_int(0)
    s = L.llmobs_score_new(cname, ctypes.byref(status))
    if not s:
        raise error_for(status.value, "score %r" % name)
    try:
        if data_type == "numeric":
            check(L.llmobs_score_set_numeric(s, _util.to_float(value, "score value")),
                  "score %r value" % name)
        elif data_type == "boolean":
            if not isinstance(value, (bool, int)):
                raise TypeError("a boolean score needs a bool, not %s" % type(value).__name__)
            check(L.llmobs_score_set_boolean(s, int(bool(value))), "score %r value" % name)
        elif data_type == "categorical":
            check(L.llmobs_score_set_categorical(s, _util.cstr(value, "score value")),
                  "score %r value" % name)
        else:
            check(L.llmobs_score_set_text(s, _util.cstr(value, "score value")),
                  "score %r value" % name)
        for fn, v, what in ((L.llmobs_score_set_trace_id, trace_id, "trace_id"),
                            (L.llmobs_score_set_observation_id, observation_id,
                             "observation_id"),
                            (L.llmobs_score_set_session_id, session_id, "session_id"),
                            (L.llmobs_score_set_comment, comment, "comment"),
                            (L.llmobs_score_set_environment, environment, "environment"),
                            (L.llmobs_score_set_config_id, config_id, "config_id"),
                            (L.llmobs_score_set_id, id, "id")):
            if v is not None:
                check(fn(s, _util.cstr(v, what)), "score %r %s" % (name, what))
        if metadata is not None:
            if not isinstance(metadata, dict):
                raise TypeError("metadata must be a dict, not %s" % type(metadata).__name__)
            check(L.llmobs_score_set_metadata_json(s, _util.to_json(metadata,
                                                                    "metadata").encode()),
                  "score %r metadata" % name)
    except BaseException:
        L.llmobs_score_free(s)
        raise
    check(L.llmobs_score_send(client_handle, s), "score %r" % name)  # takes ownership

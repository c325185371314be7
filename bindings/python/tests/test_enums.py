"""Every enum of the public C headers has its Python counterpart with the same members and
values, so a value appended to a C enum fails here until the binding has it."""

import os
import re
import unittest

import llmobs
from llmobs import client, cost, errors, experiment, metrics, score

INCLUDE = os.path.join(os.environ["LLMOBS_SOURCE_DIR"], "include", "llmobs")
ENUM = re.compile(r"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*\w+\s*;", re.S)
MEMBER = re.compile(r"^\s*(LLMOBS_\w+)\s*=\s*(-?\d+)", re.M)

# C enum -> (member prefix, the Python side: an IntEnum, a sequence of names indexed by value,
# or a dict name -> value). Sentinels ending in _COUNT are not values.
PYTHON = {
    "llmobs_status": ("LLMOBS_", errors.Status),
    "llmobs_log_level": ("LLMOBS_LOG_", client.LogLevel),
    "llmobs_export_result": ("LLMOBS_EXPORT_", client.ExportResult),
    "llmobs_drop_reason": ("LLMOBS_DROP_", client.DropReason),
    "llmobs_stat": ("LLMOBS_STAT_", client.Stat),
    "llmobs_obs_type": ("LLMOBS_OBS_", client.ObsType),
    "llmobs_level": ("LLMOBS_LEVEL_", client.Level),
    "llmobs_response_format": ("LLMOBS_RESPONSE_", client.ResponseFormat),
    "llmobs_score_type": ("LLMOBS_SCORE_", score.DATA_TYPES),
    "llmobs_price_kind": ("LLMOBS_PRICE_", cost.PRICE_KINDS),
    "llmobs_cost_kind": ("LLMOBS_COST_", cost.COST_KINDS),
    "llmobs_metrics_format": ("LLMOBS_FORMAT_", metrics.FORMATS),
    "llmobs_experiment_counter": ("LLMOBS_EXPERIMENT_", experiment.COUNTERS),
}


def c_enums():
    out = {}
    for name in sorted(os.listdir(INCLUDE)):
        if name.endswith(".h"):
            with open(os.path.join(INCLUDE, name), encoding="utf-8") as f:
                text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
            for m in ENUM.finditer(text):
                out[m.group(1)] = {k: int(v) for k, v in MEMBER.findall(m.group(2))
                                   if not k.endswith("_COUNT")}
    return out


def python_members(side):
    if isinstance(side, dict):
        return {k.upper(): v for k, v in side.items()}
    if isinstance(side, (tuple, list)):
        return {k.upper(): i for i, k in enumerate(side)}
    return {m.name: int(m) for m in side}


class Enums(unittest.TestCase):
    def test_every_c_enum_has_a_python_counterpart(self):
        enums = c_enums()
        self.assertGreaterEqual(len(enums), 12)
        self.assertEqual(sorted(set(enums) - set(PYTHON)), [], "C enums the binding lacks")
        self.assertEqual(sorted(set(PYTHON) - set(enums)), [], "no longer in the headers")

    def test_members_and_values_match(self):
        for cname, members in c_enums().items():
            prefix, side = PYTHON[cname]
            want = {k[len(prefix):]: v for k, v in members.items()}
            self.assertEqual(python_members(side), want, cname)

    def test_stats_report_every_counter_and_drop_reason(self):
        with llmobs.Client(exporter="none") as c:
            stats = c.stats()
        for s in client.Stat:
            self.assertIn(s.name.lower(), stats)
        self.assertIn("spool_full", stats["dropped_by_reason"])
        self.assertIn("truncated", stats)
        self.assertEqual(len(stats["dropped_by_reason"]), len(client.DropReason))


if __name__ == "__main__":
    unittest.main()

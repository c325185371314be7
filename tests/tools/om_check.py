#!/usr/bin/python3
"""Strict OpenMetrics check: parses the exposition on stdin (or in FILE) with the OpenMetrics
parser of Debian's python3-prometheus-client, which rejects anything the OpenMetrics text format
forbids (missing # EOF, bad suffixes, unescaped label values, counters without _total, ...).

usage: om_check.py [FILE]   exit 0 and "OK name:type ..." when valid; exit 1 and the parser's
                            complaint otherwise.

Needs /usr/bin/python3 with python3-prometheus-client (scripts/deps.sh installs it).
"""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def main(argv):
    if len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    if len(argv) == 2:
        with open(argv[1], encoding="utf-8") as f:
            text = f.read()
    else:
        text = sys.stdin.read()
    try:
        families = [(fam.name, fam.type) for fam in text_string_to_metric_families(text)]
    except Exception as err:  # the parser raises ValueError and friends on invalid input
        print("ERROR %s: %s" % (type(err).__name__, err))
        return 1
    print("OK " + ", ".join("%s:%s" % fam for fam in families))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

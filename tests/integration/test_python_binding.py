"""Runs the Python binding's unittest suite (bindings/python/tests) against the build's
libllmobs.so.0. Exit 0 only when every test passed and at least one ran."""

import os
import sys
import unittest

build = os.environ["LLMOBS_BUILD_DIR"]
source = os.environ["LLMOBS_SOURCE_DIR"]
lib = os.path.join(build, "libllmobs.so.0")
if not os.path.exists(lib):
    sys.exit("no %s: build the library first" % lib)
os.environ["LLMOBS_LIBRARY"] = lib
# Keep the environment from choosing destinations for the clients the tests create.
for var in list(os.environ):
    if var.startswith(("LANGFUSE_", "OTEL_")) or (var.startswith("LLMOBS_") and var not in (
            "LLMOBS_LIBRARY", "LLMOBS_BUILD_DIR", "LLMOBS_SOURCE_DIR")):
        del os.environ[var]

tests_dir = os.path.join(source, "bindings", "python", "tests")
sys.path.insert(0, os.path.join(source, "bindings", "python"))
sys.path.insert(0, tests_dir)

suite = unittest.defaultTestLoader.discover(tests_dir, pattern="test_*.py", top_level_dir=tests_dir)
result = unittest.TextTestRunner(verbosity=2).run(suite)
passed = result.testsRun - len(result.failures) - len(result.errors) - len(result.skipped)
print("%d passed, %d failed" % (passed, len(result.failures) + len(result.errors)))
sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)

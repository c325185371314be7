"""The binding declares a prototype for every C function it calls, matching the public headers,
and covers every LLMOBS_API function except the listed deliberate omissions."""

import ctypes
import glob
import os
import re
import subprocess
import sys
import unittest

import llmobs
from llmobs import _lib

SOURCE_DIR = os.environ["LLMOBS_SOURCE_DIR"]
PKG_DIR = os.path.dirname(llmobs.__file__)

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "tools"))
from header_functions import header_functions as _parse  # noqa: E402  (shared with the ABI check)


def header_functions():
    """{name: (return type text, number of parameters)} for every LLMOBS_API declaration."""
    return _parse([os.path.join(SOURCE_DIR, "include", "llmobs")])


def exported_symbols(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines()
            if line.split()[-1].startswith("llmobs_")}


class Coverage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.headers = header_functions()
        cls.ns = _lib.lib()

    def test_headers_were_parsed(self):
        self.assertIn("llmobs_client_new", self.headers)
        self.assertIn("llmobs_version", self.headers)
        self.assertGreater(len(self.headers), 100)

    def test_every_header_function_is_wrapped_or_deliberately_omitted(self):
        missing = sorted(set(self.headers) - set(_lib.PROTOTYPES) - set(_lib.OMITTED))
        self.assertEqual(missing, [], "neither wrapped nor listed in OMITTED")
        both = sorted(set(_lib.PROTOTYPES) & set(_lib.OMITTED))
        self.assertEqual(both, [])
        unknown = sorted((set(_lib.PROTOTYPES) | set(_lib.OMITTED)) - set(self.headers))
        self.assertEqual(unknown, [], "declared in the binding but not in any public header")
        for name, why in _lib.OMITTED.items():
            self.assertTrue(why.strip(), name)

    def test_prototypes_match_the_headers(self):
        for name, (restype, argtypes) in _lib.PROTOTYPES.items():
            ret, nparams = self.headers[name]
            self.assertEqual(len(argtypes), nparams, name)
            self.assertEqual(restype is None, ret == "void", "%s returns %r" % (name, ret))
            if "*" in ret:
                self.assertIn(restype, (ctypes.c_void_p, ctypes.c_char_p), name)

    def test_every_wrapped_export_has_argtypes_and_restype_set(self):
        exported = exported_symbols(self.ns._cdll._name)
        wrapped = exported & set(_lib.PROTOTYPES)
        self.assertEqual(wrapped, set(_lib.PROTOTYPES), "declared but not exported")
        for name in sorted(wrapped):
            fn = getattr(self.ns, name)
            self.assertIsNotNone(fn.argtypes, name)
            self.assertEqual(list(fn.argtypes), list(_lib.PROTOTYPES[name][1]), name)
            self.assertIs(fn.restype, _lib.PROTOTYPES[name][0], name)

    def test_binding_calls_only_declared_functions(self):
        used = set()
        for path in glob.glob(os.path.join(PKG_DIR, "*.py")):
            if os.path.basename(path) == "_lib.py":
                continue
            used |= set(re.findall(r"\b(llmobs_\w+)\b", open(path, encoding="utf-8").read()))
        called = {u for u in used if u in self.headers}
        self.assertEqual(sorted(called - set(_lib.PROTOTYPES)), [])
        for name in _lib.PROTOTYPES:
            self.assertTrue(name in used, "declared but never used: %s" % name)
        ns_funcs = {k for k in vars(self.ns) if k.startswith("llmobs_")}
        self.assertEqual(ns_funcs, set(_lib.PROTOTYPES))

    def test_missing_library_error_lists_where_it_looked(self):
        env = dict(os.environ, LLMOBS_LIBRARY="/nonexistent/libllmobs.so.0",
                   LD_LIBRARY_PATH="/nonexistent")
        code = ("import sys; sys.path.insert(0, %r)\n"
                "from llmobs import _lib\n"
                "_lib._candidates = (lambda orig: lambda: [c for c in orig() "
                "if c[1] != 'next to the package' and 'build' not in c[0]])(_lib._candidates)\n"
                "import ctypes.util; ctypes.util.find_library = lambda n: None\n"
                "import llmobs\n"
                "try:\n    llmobs.version()\nexcept llmobs.LibraryNotFoundError as e:\n"
                "    print(e)\n") % os.path.dirname(PKG_DIR)
        out = subprocess.run(["python3", "-c", code], env=env, capture_output=True, text=True,
                             timeout=60)
        self.assertIn("LLMOBS_LIBRARY", out.stdout, out.stderr)
        self.assertIn("/nonexistent/libllmobs.so.0", out.stdout)
        self.assertIn("system library path", out.stdout)

    def test_version_matches_header(self):
        self.assertEqual(llmobs.version(), llmobs.__version__)
        keys = [k["key"] for k in llmobs.option_keys()]
        self.assertIn("flush_at", keys)
        self.assertEqual(llmobs.observation_id_from_seed("x"),
                         llmobs.observation_id_from_seed("x"))
        self.assertEqual(len(llmobs.observation_id_from_seed("x")), 16)

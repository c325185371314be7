"""setuptools hook (the metadata is in pyproject.toml): a wheel that carries libllmobs.so.0
(scripts/python-wheel.sh puts it next to the package) is tagged for this platform, not as
pure Python."""
import os

from setuptools import setup
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))


class MaybeBinary(Distribution):
    def has_ext_modules(self):
        return os.path.exists(os.path.join(HERE, "llmobs", "libllmobs.so.0"))


setup(distclass=MaybeBinary)

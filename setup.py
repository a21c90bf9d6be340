"""Builds the extension yamlnet._native with CMake (target yamlnet_python) for `pip install .`; the package
itself is python/yamlnet. YAMLNET_BUILD_DIR reuses a configured build folder (the test suite's), so that an
install rebuilds nothing; otherwise a Release build is made in a temporary folder."""

import os
import shutil
import subprocess
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("YAMLNET_BUILD_DIR") or os.path.join(self.build_temp, "cmake")
        configure = ["cmake", "-S", ROOT, "-B", build, "-DYAMLNET_PYTHON=ON"]
        if not os.environ.get("YAMLNET_BUILD_DIR"):
            configure += ["-DCMAKE_BUILD_TYPE=Release", "-DYAMLNET_BUILD_TESTS=OFF",
                          f"-DPython_EXECUTABLE={sys.executable}"]
        subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", build, "--target", "yamlnet_python", "-j", str(os.cpu_count() or 1)],
                       check=True)
        built = os.path.join(build, "python", "yamlnet")
        module = next(f for f in os.listdir(built) if f.startswith("_native.") and f.endswith(".so"))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(built, module), target)


# setuptools' own folders go to a temporary place, not into the source tree.
scratch = tempfile.mkdtemp(prefix="yamlnet-setup-")
setup(
    packages=["yamlnet"],
    package_dir={"": "python"},
    ext_modules=[Extension("yamlnet._native", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": os.path.join(scratch, "build")},
             "egg_info": {"egg_base": scratch}},
)

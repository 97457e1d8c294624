"""Build of the compiled pair kernel; the rest of the metadata is in pyproject.toml.

Portable flags only: no -march or -mtune, so the extension runs on any CPU of
its architecture. For gcc and clang the kernel also gets -O3 (vectorised
loops over the embedding's components), -fno-math-errno -fno-trapping-math
(sqrt inlined, selects without branches) and -fassociative-math
-fno-signed-zeros (vectorised sums of squares: 13.1 -> 10.6 ns a pair). Not
-ffast-math: it can link crtfastmath.o, which flushes denormals to zero for
the whole Python process.
"""

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

GCC_FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fassociative-math",
             "-fno-signed-zeros"]
MSVC_FLAGS = ["/O2"]


class BuildExtension(build_ext):
    def build_extensions(self):
        flags = MSVC_FLAGS if self.compiler.compiler_type == "msvc" else GCC_FLAGS
        for extension in self.extensions:
            extension.extra_compile_args = flags
        super().build_extensions()


setup(
    ext_modules=cythonize(
        [Extension("sk_contrastive._pair_kernel", ["sk_contrastive/_pair_kernel.pyx"],
                   include_dirs=["sk_contrastive"])],
        compiler_directives={"language_level": 3},
    ),
    cmdclass={"build_ext": BuildExtension},
)

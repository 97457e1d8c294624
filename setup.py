"""Build of the compiled kernels; the rest of the metadata is in pyproject.toml.

``_pair_kernel`` is the pass of the loss over the pairs, ``_pair_layout``
the pair lists it reads, ``_neighbors`` the selection step of the neighbour
search, ``_row_hashes`` the fingerprints of dense rows.

Portable flags only: no -march or -mtune, so the extensions run on any CPU of
their architecture. For gcc and clang they also get -O3 (vectorised
loops over the embedding's components), -fno-math-errno -fno-trapping-math
(sqrt inlined, selects without branches) and -fassociative-math
-fno-signed-zeros (vectorised sums of squares: 13.1 -> 10.6 ns a pair), and
-g0: no debug information, which Python's own flags ask for and which made
each extension 1.3 to 1.6 MB. Not -ffast-math: it can link crtfastmath.o,
which flushes denormals to zero for the whole Python process.
"""

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

GCC_FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fassociative-math",
             "-fno-signed-zeros", "-g0"]
MSVC_FLAGS = ["/O2"]


class BuildExtension(build_ext):
    def build_extensions(self):
        flags = MSVC_FLAGS if self.compiler.compiler_type == "msvc" else GCC_FLAGS
        for extension in self.extensions:
            extension.extra_compile_args = flags
        super().build_extensions()


setup(
    ext_modules=cythonize(
        [Extension(f"sk_contrastive.{name}", [f"sk_contrastive/{name}.pyx"],
                   include_dirs=["sk_contrastive"])
         for name in ("_pair_kernel", "_pair_layout", "_neighbors", "_row_hashes")],
        compiler_directives={"language_level": 3},
    ),
    cmdclass={"build_ext": BuildExtension},
)

"""Which BLAS kernel numpy runs (OpenBLAS's core name and thread count), for the benchmark records."""
import ctypes, os
import numpy as np


def blas_info():
    try:
        d = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs")
        lib = ctypes.CDLL(os.path.join(d, next(f for f in os.listdir(d) if "openblas" in f)))
        out = {}
        for key, names in (("corename", ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename")),
                           ("threads", ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"))):
            for n in names:
                f = getattr(lib, n, None)
                if f is not None:
                    if key == "corename":
                        f.restype = ctypes.c_char_p
                        out[key] = f().decode()
                    else:
                        out[key] = f()
                    break
        return out
    except Exception as e:  # another BLAS, or a layout this does not know
        return {"error": str(e)}

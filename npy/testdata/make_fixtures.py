# Writes the numpy fixtures of npy/testdata (numpy 1.24). Run from this directory:
#   python3 make_fixtures.py
# Values: float arrays hold arange(n)*0.25 - 1.5 in C order, integer arrays
# arange(n) - 3 (uint8: arange(n)), the bool array arange(n) % 3 == 0.
import numpy as np
from numpy.lib import format as fmt

def flt(shape, dt):
    n = int(np.prod(shape))
    return (np.arange(n) * 0.25 - 1.5).reshape(shape).astype(dt)

np.save("f4_c.npy", flt((4, 3), "<f4"))
np.save("f8_c.npy", flt((5, 2), "<f8"))
np.save("f8_fortran.npy", np.asfortranarray(flt((3, 4), "<f8")))
np.save("f4_fortran_rank3.npy", np.asfortranarray(flt((2, 3, 4), "<f4")))
np.save("f8_rank4.npy", flt((2, 3, 2, 2), "<f8"))
np.save("f8_fortran_rank4.npy", np.asfortranarray(flt((2, 3, 2, 2), "<f8")))
np.save("f8_big.npy", flt((3, 2), ">f8"))
np.save("f4_big.npy", flt((3, 2), ">f4"))
np.save("f2.npy", flt((3, 2), "<f2"))
np.save("i4.npy", (np.arange(6) - 3).reshape(3, 2).astype("<i4"))
np.save("i8_big.npy", (np.arange(6) - 3).reshape(3, 2).astype(">i8"))
np.save("u1.npy", np.arange(6).reshape(3, 2).astype("u1"))
np.save("bool.npy", (np.arange(6) % 3 == 0).reshape(3, 2))
with open("f8_v2.npy", "wb") as f:
    fmt.write_array(f, flt((3, 2), "<f8"), version=(2, 0))
with open("f8_v3.npy", "wb") as f:
    fmt.write_array(f, flt((3, 2), "<f8"), version=(3, 0))
np.savez("layers.npz", conv1=flt((4, 3), "<f4"), block2=flt((4, 2, 2), "<f8"), fc=np.asfortranarray(flt((4, 5), "<f8")))
np.savez_compressed("layers_compressed.npz", conv1=flt((4, 3), "<f4"), block2=flt((4, 2, 2), "<f8"), fc=np.asfortranarray(flt((4, 5), "<f8")))
# files that must be rejected
np.save("rank1.npy", flt((6,), "<f8"))
np.save("rank0.npy", np.float64(1.5))
np.save("empty.npy", np.zeros((0, 3)))
np.save("complex.npy", np.zeros((3, 2), dtype=np.complex64))
np.save("structured.npy", np.zeros((3, 2), dtype=[("x", "<f4"), ("y", "<i4")]))
np.save("strings.npy", np.array([["a", "b"], ["c", "d"], ["e", "f"]]))

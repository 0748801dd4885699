"""Plain data across the sandbox boundary: the only values a graded function may take
or return when it is called from a test.

A value is encoded as JSON of tagged lists: ["none"], ["bool", b], ["int", "12"],
["float", "1.5"], ["complex", "1.0", "2.0"], ["str", s], ["tuple", [...]],
["list", [...]], ["dict", [[key, value], ...]] (str keys), ["array", npy] (an .npy file,
base64; numbers and booleans only), ["bits", shape, packed] (a large boolean array, 8
values to a byte), ["scalar", npy] (a numpy scalar, as a 0-d array),
["rng", {...}] (a numpy.random.Generator: its bit generator's name, state and seed
sequence), ["fn", id] (a callable of the other side, called back by id) and
["opaque", type name] (anything else: it cannot cross).

Decoding never unpickles or evaluates anything: arrays are read with
`allow_pickle=False` and only bool/int/uint/float/complex dtypes are accepted, every
size is bounded, and a malformed message raises `WireError`.

This file is also sent, as source, into the student's kernel (it needs only numpy and
the standard library), so that both sides speak the same format.
"""
import base64
import io
import json

import numpy as np

MAX_BYTES = 256 * 2**20  # largest message
MAX_DEPTH = 20  # nested containers
MAX_ITEMS = 100_000  # values in one message
MAX_TEXT = 1_000_000  # characters of one string
_KINDS = "biufc"  # numpy dtype kinds that may cross
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class WireError(ValueError):
    """A message that is not plain data as this module defines it."""


_KEEP_HEADERS = 4096  # .npy headers remembered, for writing and for reading
# the header np.save wrote for a C-ordered array of this (dtype, shape), to be written
# again for the next one (building it is most of the cost of writing a small array)
_SAVED: dict = {}


def _npy(array) -> str:
    array = np.asarray(array, order="C")
    key = (array.dtype.str, array.shape)
    header = _SAVED.get(key)
    if header is not None:
        return base64.b64encode(header + array.tobytes()).decode("ascii")
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    data = buf.getvalue()
    if array.size and array.dtype.kind in _KINDS and array.dtype.fields is None and len(_SAVED) < _KEEP_HEADERS:
        _SAVED[key] = data[:len(data) - array.nbytes]
    return base64.b64encode(data).decode("ascii")


# .npy headers (format 1.0) that np.load read, and whose dtype may cross: header bytes ->
# (dtype, shape, Fortran order, bytes of data). A call sends arrays of the same few
# shapes again and again, and parsing a header is most of the cost of reading a small
# array; an array with a header seen before is read with that header's parse.
_HEADERS: dict = {}
_NPY_1_0 = b"\x93NUMPY\x01\x00"


def _known_header(raw: bytes):
    if not raw.startswith(_NPY_1_0) or len(raw) < 10:
        return None
    end = 10 + int.from_bytes(raw[8:10], "little")
    info = _HEADERS.get(raw[10:end])
    if info is None or len(raw) - end != info[3]:
        return None  # unseen, or not exactly the data the header announces: np.load decides
    dtype, shape, fortran, _ = info
    flat = np.frombuffer(raw, dtype=dtype, offset=end).copy()
    return flat.reshape(shape, order="F" if fortran else "C")


def _remember_header(raw: bytes) -> None:
    if len(_HEADERS) >= _KEEP_HEADERS or not raw.startswith(_NPY_1_0):
        return
    fp = io.BytesIO(raw[8:])
    shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    nbytes = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    if nbytes > 0 and fp.tell() <= 512:  # np.save writes a header of 128 bytes or a few more
        _HEADERS[raw[10:8 + fp.tell()]] = (dtype, shape, fortran, nbytes)


def _from_npy(text) -> np.ndarray:
    if not isinstance(text, str) or len(text) > MAX_BYTES * 4 // 3 + 8:
        raise WireError("array too large")
    try:
        raw = base64.b64decode(text, validate=True)
        known = _known_header(raw)
        if known is not None:
            return known
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - whatever np.load rejects
        raise WireError(f"not an .npy array: {exc}") from None
    if not isinstance(array, np.ndarray):  # np.load also opens .npz archives
        raise WireError("not an .npy array")
    if array.dtype.kind not in _KINDS or array.dtype.fields is not None:
        raise WireError(f"arrays of dtype {array.dtype} cannot cross")
    _remember_header(raw)
    return array


def _seed_sequence(bg):
    ss = getattr(bg, "seed_seq", None)
    if not isinstance(ss, np.random.SeedSequence):
        return None
    entropy = ss.entropy
    entropy = [int(e) for e in entropy] if isinstance(entropy, (list, tuple)) else (
        None if entropy is None else int(entropy))
    return {"entropy": entropy, "spawn_key": [int(k) for k in ss.spawn_key],
            "pool_size": int(ss.pool_size), "n_children_spawned": int(ss.n_children_spawned)}


def generator_state(rng) -> dict:
    """Everything that determines what a Generator draws (and spawns) next."""
    bg = rng.bit_generator
    return {"bit_generator": type(bg).__name__, "state": bg.state, "seed_seq": _seed_sequence(bg)}


def make_generator(info) -> np.random.Generator:
    """A Generator in the state described by `generator_state` (validated)."""
    if not isinstance(info, dict) or info.get("bit_generator") not in _BIT_GENERATORS:
        raise WireError("not a generator state")
    ss = info.get("seed_seq")
    seq = None
    if ss is not None:
        try:
            seq = np.random.SeedSequence(ss["entropy"], spawn_key=tuple(ss["spawn_key"]),
                                         pool_size=ss["pool_size"],
                                         n_children_spawned=ss["n_children_spawned"])
        except Exception as exc:  # noqa: BLE001 - numpy validates
            raise WireError(f"bad seed sequence: {exc}") from None
    bg = getattr(np.random, info["bit_generator"])(seq)
    try:
        bg.state = info["state"]
    except Exception as exc:  # noqa: BLE001 - numpy validates
        raise WireError(f"bad generator state: {exc}") from None
    return np.random.Generator(bg)


def _plain_json(value, depth=0):
    """Check that a decoded JSON value (a generator state) holds only ints, strs, lists
    and dicts."""
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(v, depth + 1) for v in value)
    if value is None or isinstance(value, (bool, int, str)):
        return True
    raise WireError(f"unexpected {type(value).__name__} in a generator state")


class Codec:
    """Encodes and decodes values; callables become ids, resolved by `on_function`
    (decoding) and registered in `functions` (encoding)."""

    def __init__(self, on_function=None):
        self.functions: dict[int, object] = {}
        self.on_function = on_function
        self._items = 0

    def register(self, fn) -> int:
        """An id for a callable of this side, to be called back by the other."""
        key = len(self.functions) + 1
        self.functions[key] = fn
        return key

    # -- encoding --------------------------------------------------------------------
    def encode(self, value) -> str:
        self._items = 0
        return json.dumps(self._enc(value, 0))

    def _enc(self, v, depth):
        self._items += 1
        if depth > MAX_DEPTH or self._items > MAX_ITEMS:
            return ["opaque", "a structure nested too deeply or too large"]
        if v is None:
            return ["none"]
        if isinstance(v, bool):
            return ["bool", v]
        if isinstance(v, np.generic):
            if np.dtype(type(v)).kind in _KINDS:
                return ["scalar", _npy(np.asarray(v))]
            return ["opaque", f"numpy.{type(v).__name__}"]
        if isinstance(v, int):
            return ["int", str(v)]
        if isinstance(v, float):
            return ["float", repr(v)]
        if isinstance(v, complex):
            return ["complex", repr(v.real), repr(v.imag)]
        if isinstance(v, str):
            return ["str", v]
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in _KINDS or v.dtype.fields is not None:
                return ["opaque", f"numpy array of dtype {v.dtype}"]
            if v.dtype == np.bool_ and v.size > 1024:  # masks: 8 to a byte
                return ["bits", list(v.shape), base64.b64encode(np.packbits(v, axis=None)).decode("ascii")]
            if v.ndim and v.size > 1 and not (v.flags.c_contiguous or v.flags.f_contiguous):
                return ["array", _npy(v), "strided"]  # a view: it arrives as a view too
            return ["array", _npy(v)]
        if isinstance(v, tuple):
            return ["tuple", [self._enc(x, depth + 1) for x in v]]
        if isinstance(v, list):
            return ["list", [self._enc(x, depth + 1) for x in v]]
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                return ["opaque", "dict with keys that are not strings"]
            return ["dict", [[k, self._enc(x, depth + 1)] for k, x in v.items()]]
        if isinstance(v, np.random.Generator):
            return ["rng", generator_state(v)]
        if callable(v):
            return ["fn", self.register(v)]
        return ["opaque", type(v).__module__ + "." + type(v).__qualname__
                if type(v).__module__ not in ("builtins", None) else type(v).__qualname__]

    # -- decoding --------------------------------------------------------------------
    def decode(self, text):
        if not isinstance(text, str) or len(text) > MAX_BYTES:
            raise WireError("message too large")
        try:
            tree = json.loads(text)
        except ValueError as exc:
            raise WireError(f"not JSON: {exc}") from None
        self._items = 0
        return self._dec(tree, 0)

    def _dec(self, t, depth):
        self._items += 1
        if depth > MAX_DEPTH or self._items > MAX_ITEMS:
            raise WireError("nested too deeply or too many values")
        if not isinstance(t, list) or not t or not isinstance(t[0], str):
            raise WireError("malformed value")
        tag, args = t[0], t[1:]
        try:
            if tag == "none" and not args:
                return None
            if tag == "bool" and len(args) == 1 and isinstance(args[0], bool):
                return args[0]
            if tag == "int" and len(args) == 1 and isinstance(args[0], str) and len(args[0]) <= 400:
                return int(args[0])
            if tag == "float" and len(args) == 1 and isinstance(args[0], str) and len(args[0]) <= 40:
                return float(args[0])
            if tag == "complex" and len(args) == 2 and all(isinstance(a, str) and len(a) <= 40 for a in args):
                return complex(float(args[0]), float(args[1]))
            if tag == "str" and len(args) == 1 and isinstance(args[0], str) and len(args[0]) <= MAX_TEXT:
                return args[0]
            if tag in ("tuple", "list") and len(args) == 1 and isinstance(args[0], list):
                items = [self._dec(x, depth + 1) for x in args[0]]
                return tuple(items) if tag == "tuple" else items
            if tag == "dict" and len(args) == 1 and isinstance(args[0], list):
                out = {}
                for pair in args[0]:
                    if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                        raise WireError("malformed dict")
                    out[pair[0]] = self._dec(pair[1], depth + 1)
                return out
            if tag == "array" and len(args) == 1:
                return _from_npy(args[0])
            if tag == "array" and len(args) == 2 and args[1] == "strided":
                dense = _from_npy(args[0])
                if dense.ndim < 2:
                    view = np.empty(2 * dense.size, dtype=dense.dtype)[::2]
                else:  # rows padded by one element: like a slice of a wider array
                    n = dense.shape[-1]
                    view = np.empty(dense.shape[:-1] + (n + 1,), dtype=dense.dtype)[..., :n]
                view[...] = dense
                return view
            if tag == "bits" and len(args) == 2 and isinstance(args[0], list) and isinstance(args[1], str):
                shape = args[0]
                if len(shape) > 32 or not all(isinstance(k, int) and 0 <= k for k in shape):
                    raise WireError("bad shape")
                size = int(np.prod(shape, dtype=np.int64))
                if size > MAX_BYTES * 8 or len(args[1]) > MAX_BYTES:
                    raise WireError("array too large")
                bits = np.frombuffer(base64.b64decode(args[1], validate=True), dtype=np.uint8)
                if bits.size * 8 < size:
                    raise WireError("too few bits")
                return np.unpackbits(bits, count=size).view(np.bool_).reshape(shape)
            if tag == "scalar" and len(args) == 1:
                a = _from_npy(args[0])
                if a.shape != ():
                    raise WireError("a scalar must be a 0-d array")
                return a[()]
            if tag == "rng" and len(args) == 1:
                _plain_json(args[0])
                return make_generator(args[0])
            if tag == "fn" and len(args) == 1 and isinstance(args[0], int):
                return self.on_function(args[0]) if self.on_function else Opaque("function")
            if tag == "opaque" and len(args) == 1 and isinstance(args[0], str):
                return Opaque(args[0][:200])
        except WireError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise WireError(f"bad {tag}: {exc}") from None
        raise WireError(f"unknown or malformed tag {tag!r}")


class Opaque:
    """Stands for a value of a type that cannot cross the boundary."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name}>"


def leaves(value, depth=0):
    """The arrays and generators inside a value, in a fixed order: what a call may
    change in place (both sides walk their own copy of the arguments alike)."""
    if isinstance(value, (np.ndarray, np.random.Generator)):
        yield value
    elif depth < MAX_DEPTH and isinstance(value, (list, tuple, dict)):
        for x in (value.values() if isinstance(value, dict) else value):
            yield from leaves(x, depth + 1)


def find_opaque(value, depth=0):
    """The type name of the first Opaque inside a decoded value, or None."""
    if isinstance(value, Opaque):
        return value.type_name
    if depth < MAX_DEPTH:
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
        for x in items:
            found = find_opaque(x, depth + 1)
            if found:
                return found
    return None

"""The grader's agent inside the student's kernel: it answers calls by name and knows
nothing of the tests.

Sent into the kernel as source, after tools/wire.py, before any student cell runs. The calls of
one test cell are answered by `loop()`, one execute request: each request arrives as the
answer to an input request on the kernel's stdin channel, the graded function runs in the
student's namespace, and its result goes back, as plain data (tools/wire.py), in the
input request that asks for the next one. Callables among the
arguments become stubs that call back into the grader. Everything here runs in the
student's process, so the grader trusts none of it: it only decodes what comes back.
"""
import builtins
import hashlib
import json
import warnings

import numpy as np

try:  # the grader's side (tests); in the kernel, wire.py's source was run in this module first
    from tools.wire import Codec, leaves
except ImportError:
    pass

PREFIX = "\x00course:"
_shell = None
_raw_input = None


def install(shell) -> None:
    global _shell, _raw_input
    _shell = shell
    _raw_input = shell.kernel.raw_input


def _ask(message: dict) -> str:
    return _raw_input(PREFIX + json.dumps(message))


def _text(obj, limit=4000) -> str:
    try:
        return str(obj)[:limit]
    except Exception:  # noqa: BLE001 - a student's __str__ may fail in any way
        return "<unprintable>"


def _exception(exc) -> list:
    return [type(exc).__name__, _text(type(exc).__module__, 100), _text(exc)]


def _rebuild(info):
    cls = getattr(builtins, str(info[0]), None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = RuntimeError
    try:
        return cls(info[2])
    except Exception:  # noqa: BLE001 - any constructor failure
        return RuntimeError(info[2])


def _callback(key):
    def callback(*args, **kwargs):
        answer = json.loads(_ask({"op": "callback", "fn": key, "args": Codec().encode(args),
                                  "kwargs": Codec().encode(kwargs)}))
        if answer.get("status") == "ok":
            return Codec().decode(answer["value"])
        raise _rebuild(answer.get("exception", ["RuntimeError", "", "callback failed"]))
    return callback


def _digest(array):
    try:
        return hashlib.blake2b(array).digest()
    except (BufferError, TypeError, ValueError):
        return hashlib.blake2b(array.tobytes()).digest()


def _global_random() -> bytes:
    """A digest of numpy's global random state (np.random.seed, np.random.randn, ...)."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    return _digest(keys) + repr((pos, has_gauss, cached)).encode()


def _describe(names) -> dict:
    found = {}
    for name in names:
        if name not in _shell.user_ns:
            found[name] = ["missing"]
        elif callable(_shell.user_ns[name]):
            found[name] = ["function"]
        else:
            found[name] = ["value", Codec().encode(_shell.user_ns[name])]
    return {"status": "ok", "names": found}


def _call(request) -> dict:
    fn = _shell.user_ns.get(request["name"])
    if not callable(fn):
        return {"status": "missing"}
    codec = Codec(on_function=_callback)
    args, kwargs = codec.decode(request["args"]), codec.decode(request["kwargs"])
    watched = [(leaf, _digest(leaf) if isinstance(leaf, np.ndarray) else None)
               for leaf in leaves((args, kwargs))]
    deps = {name: _callback(key) for name, key in request.get("using", {}).items()}
    scope = getattr(fn, "__globals__", _shell.user_ns)
    saved = {name: scope[name] for name in deps if name in scope}
    scope.update(deps)
    caught = []
    global_before = _global_random()
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(**request.get("errstate", {})):
            warnings.simplefilter("always")
            value = fn(*args, **kwargs)
        reply = {"status": "ok", "value": Codec().encode(value)}
    except BaseException as exc:  # noqa: BLE001 - every failure is the student's answer
        reply = {"status": "exception", "exception": _exception(exc)}
    finally:
        for name in deps:
            scope.pop(name, None)
        scope.update(saved)
    changed = []
    for i, (leaf, digest) in enumerate(watched):
        if isinstance(leaf, np.ndarray):
            if _digest(leaf) != digest:
                changed.append([i, Codec().encode(leaf)])
        else:
            changed.append([i, Codec().encode(leaf)])
    reply["changed"] = changed
    reply["global_random_changed"] = _global_random() != global_before
    reply["warnings"] = [[w.category.__name__, _text(w.message, 2000), _text(w.filename, 200), int(w.lineno or 0)]
                         for w in caught[:100]]
    return reply


def _handle(request) -> dict:
    if not isinstance(request, dict):
        return {"status": "missing"}
    if request.get("op") == "describe":
        return _describe(request["names"])
    if request.get("op") == "call":
        return _call(request)
    return {"status": "missing"}


def loop() -> None:
    """Answer the grader's requests until it sends "end" (the calls of one test cell):
    each answer goes out in the input request that asks for the next request, so a call
    costs one round trip on the stdin channel."""
    message = {"op": "ready"}
    while True:
        try:
            text = _ask(message)
        except BaseException:  # noqa: BLE001 - interrupted while waiting: the grader ends the loop
            return
        try:
            request = json.loads(text)
            if isinstance(request, dict) and request.get("op") == "end":
                return
            reply = _handle(request)
        except BaseException as exc:  # noqa: BLE001 - e.g. interrupted while decoding
            reply = {"status": "exception", "exception": _exception(exc)}
        message = {"op": "result", "reply": reply}

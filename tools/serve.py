"""The grader's agent inside the student's kernel: it answers calls by name and knows
nothing of the tests.

Sent into the kernel as source, after tools/wire.py, before any student cell runs. The calls of
one test cell are answered by `loop()`, one execute request: requests and answers travel
as length-prefixed JSON frames over a socket the grader handed to the kernel when it
started it (its own channel, beside Jupyter's), the graded function runs in the
student's namespace, and its result goes back, as plain data (tools/wire.py), in the
frame that also says the agent is ready for the next request. What the student's code
prints goes out on Jupyter's output channel as usual, flushed before each frame.
Callables among the arguments become stubs that call back into the grader. Everything
here runs in the student's process, so the grader trusts none of it: it only decodes
what comes back.
"""
import builtins
import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import warnings

import numpy as np

try:  # the grader's side (tests); in the kernel, wire.py's source was run in this module first
    from tools.wire import Codec, leaves
except ImportError:
    pass

_HEADER = struct.Struct(">Q")  # a frame: its length, then that many bytes of JSON
_shell = None
_channel = None


def install(shell, fd: int) -> None:
    global _shell, _channel
    _shell = shell
    os.set_inheritable(fd, False)  # not handed on to the student's subprocesses
    _channel = socket.socket(fileno=fd)
    _channel.setblocking(True)


class _Deferred:
    """An interrupt (the grader's, after a time limit) that arrives while a frame is
    being sent or read is held back until the frame is whole, so that the channel never
    carries half a frame."""

    def __enter__(self):
        self.pending = False

        def hold(*_):
            self.pending = True
        self.saved = signal.signal(signal.SIGINT, hold)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self.saved)
        if self.pending and exc[0] is None:
            raise KeyboardInterrupt


def _read_exactly(n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = _channel.recv(min(n - len(data), 1 << 22))
        if not chunk:
            raise EOFError("the grader closed the channel")
        data += chunk
    return bytes(data)


def _ask(message: dict) -> str:
    """Send a frame, return the text of the grader's next one."""
    body = json.dumps(message).encode()
    for stream in (sys.stdout, sys.stderr):  # what the call printed goes out before its answer
        # (ipykernel's streams say whether they hold anything: a flush is a round trip to
        # their sending thread)
        if getattr(stream, "_flush_pending", True) or getattr(stream, "_subprocess_flush_pending", False):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - a stream the student replaced
                pass
    with _Deferred():
        _channel.sendall(_HEADER.pack(len(body)) + body)
    select.select([_channel], [], [])  # waiting for the grader: an interrupt ends it here
    with _Deferred():
        (size,) = _HEADER.unpack(_read_exactly(_HEADER.size))
        return _read_exactly(size).decode()


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
    each answer goes out in the frame that asks for the next request, so a call costs
    one round trip on the channel. Each answer carries its request's number."""
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
        message = {"op": "result", "seq": request.get("seq") if isinstance(request, dict) else None,
                   "reply": reply}

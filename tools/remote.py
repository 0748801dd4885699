"""The grader's side of the sandbox boundary: a session with one jailed student kernel,
and proxies for the graded names.

`Session` starts the kernel (tools/jail.py) with one end of a socket pair of its own
(the channel), installs the agent (tools/serve.py) and then either runs a student's
cell, or calls a graded function by name: the request goes in over the channel as a
length-prefixed JSON frame, the answer comes back the same way and is decoded as plain
data (tools/wire.py); what the call prints arrives on the kernel's output channel. Arguments the kernel changed in place are
changed in the caller's copies too, a Generator advances as it did in the kernel,
callables are called back here, numpy's global random state moves here when it moved
there (the test sees that it changed, never the kernel's state), numpy warnings are raised again here, and the kernel's
peak memory can be measured from outside while a call runs.

`Remote` is what a test cell sees under the name of a graded function.
"""
import builtins
import contextlib
import json
import os
import select
import socket
import struct
import subprocess
import threading
import time
import typing
import warnings
from pathlib import Path

import numpy as np
import zmq
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.connect import channel_socket_types

from .jail import JailedKernelManager
from .wire import Codec, Opaque, WireError, find_opaque, leaves

_HEADER = struct.Struct(">Q")  # a frame on the channel: its length, then that many bytes of JSON
MAX_FRAME = 300 * 2**20  # bytes of one frame from the kernel
_TOOLS = Path(__file__).resolve().parent
BOOTSTRAP = (
    "def _course_install():\n"
    "    import sys, types\n"
    "    module = types.ModuleType('_course_server')\n"
    "    for name, source in {sources!r}:\n"
    "        exec(compile(source, name, 'exec'), module.__dict__)\n"
    "    sys.modules['_course_server'] = module\n"
    "    module.install(get_ipython(), {fd})\n"
    "_course_install()\n"
    "del _course_install\n"
)
LOOP = "__import__('_course_server').loop()"
_OUTPUTS = ("stream", "display_data", "execute_result", "error", "update_display_data", "clear_output")
# without the jail (--unsandboxed), the same allocator and thread settings as inside it
UNSANDBOXED_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "131072",
                   "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


class BoundedClient(BlockingKernelClient):
    """A kernel client that refuses oversized messages (ZMQ drops the connection and
    reconnects), so that no kernel can make the grader hold gigabytes."""

    limits: typing.ClassVar[dict] = {"iopub": 16 * 2**20, "shell": 300 * 2**20, "stdin": 2**20, "control": 2**20}

    def _create_connected_socket(self, channel, identity=None):
        url = self._make_url(channel)
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, self.limits.get(channel, 2**20))
        if identity:
            sock.identity = identity
        sock.connect(url)
        return sock


class KernelDied(BaseException):
    """The kernel is gone (a crash, os._exit, killed after an interrupt failed). A
    BaseException, so that a test's `except Exception` does not hide it."""


class CallTimeout(BaseException):
    """The kernel did not finish within the time limit (it was interrupted)."""


class GradingError(Exception):
    """The kernel's answer could not be used."""


def _bootstrap_code(fd: int) -> str:
    sources = [(f"<course {n}>", (_TOOLS / f"{n}.py").read_text()) for n in ("wire", "serve")]
    return BOOTSTRAP.format(sources=sources, fd=fd)


# -- exceptions and warnings from the kernel -------------------------------------------
_NUMPY_EXCEPTIONS = {"AxisError": np.exceptions.AxisError, "LinAlgError": np.linalg.LinAlgError}


def rebuild_exception(info) -> Exception:
    """The student's exception as the same built-in (or numpy) type with its message;
    any other type as an Exception subclass of the same name."""
    if not (isinstance(info, list) and len(info) == 3 and all(isinstance(x, str) for x in info)):
        return GradingError("the kernel sent a malformed exception")
    name, module, message = info[0][:100], info[1], info[2][:4000]
    cls = getattr(builtins, name, None) if module == "builtins" else _NUMPY_EXCEPTIONS.get(name)
    if isinstance(cls, type) and issubclass(cls, Exception):
        with contextlib.suppress(Exception):  # exception types with other constructors
            return cls(message)
    safe = name if name.isidentifier() else "StudentError"
    return type(safe, (Exception,), {"__module__": "student"})(message)


def _warning_class(name: str):
    cls = getattr(builtins, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning


# -- memory, seen from outside -----------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def descendants(pid: int) -> list[int]:
    kids, found, todo = _children_map(), [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            found.append(c)
            todo.append(c)
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class MemoryWatch:
    """Peak resident memory of the jail's processes while a call runs, above the lowest
    they held during the call (memory the kernel held before and frees while it runs, to
    make room, still counts): each process's high-water mark is reset before (the kernel
    could reset it too, so the resident size is also sampled every 2 ms). What it cannot
    see: a buffer allocated before the call and reused by it, or memory freed and taken
    again in step between two samples."""

    def __init__(self, root_pid: int):
        self.root_pid = root_pid

    def __enter__(self):
        self.pids = [self.root_pid, *descendants(self.root_pid)]
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass
        self.base = sum(_status_kb(p, "VmRSS") for p in self.pids)
        self.peak = self.low = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        n = 0
        while not self._stop.wait(0.002):
            n += 1
            if n % 25 == 0:
                self.pids = [self.root_pid, *descendants(self.root_pid)]
            rss = sum(_status_kb(p, "VmRSS") for p in self.pids)
            self.peak, self.low = max(self.peak, rss), min(self.low, rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        hwm = sum(max(_status_kb(p, "VmHWM"), _status_kb(p, "VmRSS")) for p in self.pids)
        self.peak = max(self.peak, hwm)

    @property
    def peak_bytes(self) -> int:
        return max(0, self.peak - self.low) * 1024


# -- the session -------------------------------------------------------------------------
class Session:
    """One jailed kernel for one notebook."""

    def __init__(self, sandbox: bool = True, start_timeout: float = 60, on_event=None):
        self.km = JailedKernelManager(sandbox=sandbox)
        self.on_event = on_event or (lambda kind, text: None)
        self.busy = False
        self.dead = False
        self.warning_registry: dict = {}
        self.reconnected = 0  # times an oversized message cut the connection
        self._loop = None  # the execute request answering the calls of the current test cell
        self._seq = 0  # number of the last request sent
        self._inbox = bytearray()  # bytes read from the channel, not yet a whole frame
        self.channel, kernel_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel.setblocking(False)
        try:
            self.km.start_kernel(cwd=self.km.ipc_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 pass_fds=(kernel_end.fileno(),),
                                 env={**{k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")},
                                      **UNSANDBOXED_ENV})
        finally:
            fd = kernel_end.fileno()
            kernel_end.close()
        self.km.client_class = "tools.remote.BoundedClient"
        self.kc = self.km.client()
        self.kc.start_channels(hb=False)
        self.poller = zmq.Poller()
        for channel in (self.kc.iopub_channel, self.kc.stdin_channel, self.kc.shell_channel):
            self.poller.register(channel.socket, zmq.POLLIN)
        self.poller.register(self.channel.fileno(), zmq.POLLIN)
        try:
            self._wait_for_ready(start_timeout)
        except KernelDied:
            self.close()
            raise
        self.km.lock_ipc_dir()
        self.execute(_bootstrap_code(fd), timeout=start_timeout, store_history=False)

    def _wait_for_ready(self, timeout: float) -> None:
        """Until the kernel answers a kernel_info request on its shell channel and its
        output channel carries that request's status (so that the subscription is
        connected). jupyter_client's wait_for_ready does the same and then waits 0.2 s
        more for output nobody sent; the message loop filters by request anyway."""
        deadline = time.monotonic() + timeout
        asked, sent, replied, heard = set(), 0.0, None, False
        while True:
            now = time.monotonic()
            if now > deadline:
                raise KernelDied(f"the kernel did not start within {timeout:.0f} s")
            if now - sent > (0.2 if replied else 1.0):  # no reply yet, or no status seen after it
                asked.add(self.kc.kernel_info())
                sent = now
            events = dict(self.poller.poll(100))
            if not events and not self.km.is_alive():
                raise KernelDied("the kernel died before it was ready")
            while self.kc.shell_channel.msg_ready():
                msg = self.kc.shell_channel.get_msg(timeout=0)
                if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") in asked:
                    replied = replied or now
            while self.kc.iopub_channel.msg_ready():
                msg = self.kc.iopub_channel.get_msg(timeout=0)
                heard = heard or (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") in asked)
            if replied and heard:
                return

    @property
    def jail_pid(self) -> int:
        return self.km.provisioner.process.pid

    def close(self):
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        self._kill()
        self.channel.close()
        self.km.remove_ipc_dir()

    # -- executing code --------------------------------------------------------------
    def execute(self, code: str, timeout: float, store_history: bool = True, on_output=None) -> dict:
        """Run code in the kernel; returns the execute_reply content. Raises
        CallTimeout (after interrupting it) or KernelDied."""
        if self.dead:
            raise KernelDied("the kernel died earlier")
        self.end_calls()
        state = self._new_request(self.kc.execute(code, silent=False, store_history=store_history,
                                                  allow_stdin=False, stop_on_error=False))

        def on_iopub(msg):
            if on_output and msg["msg_type"] in _OUTPUTS:
                on_output(msg)

        self._drive(state, timeout, on_iopub)
        return state["reply"]

    @staticmethod
    def _new_request(msg_id: str) -> dict:
        """What the message loop knows of one execute request."""
        return {"msg_id": msg_id, "reply": None, "replied": 0.0, "idle": False, "ended": False, "waiting": False}

    def _drive(self, state: dict, timeout: float, on_iopub, on_frame=None):
        """The session's one message loop, for the execute request `state`: handle its
        messages until it has ended (reply and idle; returns None), or until on_frame,
        given a frame from the channel, returns something else than None (returned).
        Without on_frame, frames are dropped; every input request (the student's own
        input()) gets "". At the time limit the kernel is interrupted, and CallTimeout
        raised once it stops; one that does not stop within 10 s is killed (KernelDied)."""
        deadline = time.monotonic() + timeout
        interrupted = False
        answer = None
        while answer is None:
            now = time.monotonic()
            if state["reply"] is not None and (state["idle"] or now > state["replied"] + 2):
                if not state["idle"]:
                    self._reconnect()  # the idle message was lost: an oversized message cut the connection
                state["ended"] = True
                break
            if now > deadline:
                if interrupted:
                    self._kill()
                    raise KernelDied("the kernel did not stop when interrupted and was killed")
                interrupted = True
                self.km.interrupt_kernel()
                deadline = now + 10
            events = dict(self.poller.poll(int(min(max(deadline - now, 0.01), 0.5) * 1000)))
            if not events:
                if not self.km.is_alive():
                    self.dead = True
                    raise KernelDied("the kernel died")
                continue
            if self.kc.iopub_channel.socket in events:  # before the channel: a call's output precedes its answer
                for _ in range(200):  # a bounded batch: a flooding kernel must not starve the clock
                    if not self.kc.iopub_channel.msg_ready():
                        break
                    msg = self.kc.iopub_channel.get_msg(timeout=0)
                    if msg["parent_header"].get("msg_id") != state["msg_id"]:
                        continue
                    if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                        state["idle"] = True
                    else:
                        on_iopub(msg)
            if self.kc.shell_channel.socket in events:
                while self.kc.shell_channel.msg_ready():
                    msg = self.kc.shell_channel.get_msg(timeout=0)
                    if msg["parent_header"].get("msg_id") == state["msg_id"]:
                        state["reply"], state["replied"] = msg["content"], time.monotonic()
            if self.kc.stdin_channel.socket in events:
                msg = self.kc.stdin_channel.get_msg(timeout=0)
                if msg["msg_type"] == "input_request":
                    self.kc.input("")  # the student's own input(): nothing to say
            if self.channel.fileno() in events:  # registered by its number
                for frame in self._receive():
                    if on_frame is not None and answer is None:
                        answer = on_frame(frame)
        if interrupted:  # what it answered after the interrupt does not count
            raise CallTimeout(f"it ran longer than {timeout:.0f} s and was interrupted")
        return answer

    def _receive(self) -> list:
        """The whole frames the channel holds now, decoded. A frame over MAX_FRAME, or
        one that is not JSON, breaks the protocol: the kernel is killed (KernelDied)."""
        while len(self._inbox) < MAX_FRAME + _HEADER.size:
            try:
                chunk = self.channel.recv(1 << 22)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                chunk = b""
            if not chunk:
                break  # the kernel closed its end: it is dead or dying, the loop's end tells
            self._inbox += chunk
        frames = []
        while len(self._inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._inbox)
            if size > MAX_FRAME:
                self._break_protocol(f"a frame of {size} bytes (at most {MAX_FRAME})")
            if len(self._inbox) < _HEADER.size + size:
                break
            body = bytes(self._inbox[_HEADER.size:_HEADER.size + size])
            del self._inbox[:_HEADER.size + size]
            try:
                frames.append(json.loads(body))
            except (ValueError, RecursionError):
                self._break_protocol("a frame that is not JSON")
        return frames

    def _break_protocol(self, what: str):
        self._kill()
        raise KernelDied(f"the kernel sent the grader {what}, and was stopped")

    def _send(self, message: dict, timeout: float) -> None:
        """One frame to the agent, which is waiting for it. A kernel that stops reading
        for longer than the time limit is killed (KernelDied)."""
        body = json.dumps(message).encode()
        data = memoryview(_HEADER.pack(len(body)) + body)
        deadline = time.monotonic() + timeout
        while data:
            try:
                data = data[self.channel.send(data):]
            except (BlockingIOError, InterruptedError):
                left = deadline - time.monotonic()
                if left <= 0:
                    self._kill()
                    raise KernelDied("the kernel stopped reading the grader's requests and was killed") from None
                select.select([], [self.channel], [], min(left, 0.5))
            except OSError:
                self._kill()
                raise KernelDied("the kernel closed the grader's channel") from None

    def _reconnect(self):
        """New connections to the kernel (ZMQ does not reconnect after a message over the
        size limit)."""
        self.reconnected += 1
        for name in ("iopub", "stdin", "shell"):
            channel = getattr(self.kc, f"{name}_channel")
            self.poller.unregister(channel.socket)
            channel.close()
            setattr(self.kc, f"_{name}_channel", None)
        for name in ("iopub", "stdin", "shell"):
            channel = getattr(self.kc, f"{name}_channel")  # made anew, connected
            channel.start()
            self.poller.register(channel.socket, zmq.POLLIN)
        time.sleep(0.2)  # let the subscription reach the kernel

    def _kill(self):
        self.dead = True
        with contextlib.suppress(Exception):
            self.km.shutdown_kernel(now=True)

    # -- calls by name ---------------------------------------------------------------
    def _request(self, request: dict, codec: Codec, timeout: float, on_text, watch=None) -> dict:
        """Send one request to the agent's loop (started for the first call of a test
        cell); answer its callbacks; return its reply."""
        if self.busy:
            raise GradingError("a graded function may not be called while another one runs")
        self.busy = True
        try:
            if self._loop is None:
                if self.dead:
                    raise KernelDied("the kernel died earlier")
                msg_id = self.kc.execute(LOOP, silent=False, store_history=False, allow_stdin=True,
                                         stop_on_error=False)
                self._loop = self._new_request(msg_id)
                first = self._pump(timeout, on_text, want="ready")
                if first is None:
                    raise GradingError("the kernel did not answer the grader (was its agent replaced?)")
            with watch or contextlib.nullcontext():
                self._loop["waiting"] = False
                self._seq += 1
                self._send({**request, "seq": self._seq}, timeout)
                answer = self._pump(timeout, on_text, codec, want="result")
        finally:
            self.busy = False
        reply = answer.get("reply") if isinstance(answer, dict) else None
        if not isinstance(reply, dict) or "status" not in reply:
            raise GradingError("the kernel did not answer the grader (was its agent replaced?)")
        return reply

    def _pump(self, timeout: float, on_text=None, codec: Codec | None = None, want: str | None = None):
        """Run the loop until its agent sends the frame `want` ("ready", or the "result"
        of the last request): return it, or None when the loop's execute request has
        ended. Callbacks are answered on the way; other frames (an answer that came too
        late, say) are dropped. What the kernel prints goes to on_text (by default, to
        the last one given for this loop). Raises CallTimeout or KernelDied (see _drive)."""
        loop = self._loop
        if on_text is not None:
            loop["on_text"] = on_text
        on_text = loop.get("on_text") or (lambda text: None)

        def on_iopub(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                on_text(content.get("text", ""))
            elif kind in ("display_data", "execute_result", "error"):
                on_text(str(content.get("data", {}).get("text/plain") or content.get("evalue", "")) + "\n")

        def on_frame(frame):
            op = frame.get("op") if isinstance(frame, dict) else None
            if op == "callback":
                self._send(self._callback(codec, frame), timeout)
            elif op in ("ready", "result"):
                loop["waiting"] = True  # whatever it answered, the agent now waits for a request
                if op == want and (op == "ready" or frame.get("seq") == self._seq):
                    return frame
            return None

        try:
            return self._drive(loop, timeout, on_iopub, on_frame)
        finally:
            if loop["ended"]:
                self._loop = None

    def end_calls(self) -> None:
        """End the loop that answers the current test cell's calls, if one runs."""
        for _ in range(3):
            loop = self._loop
            if loop is None or self.dead:
                self._loop = None
                return
            if loop["waiting"]:
                loop["waiting"] = False
                self._send({"op": "end"}, 10)
            try:
                self._pump(10)
            except CallTimeout:
                break  # it ignored "end" and the interrupt
        self._kill()
        raise KernelDied("the kernel's agent did not stop when the test cell ended, and was killed")

    def _callback(self, codec: Codec | None, msg) -> dict:
        fn = codec.functions.get(msg.get("fn")) if codec is not None else None
        try:
            if fn is None:
                raise GradingError("no such callback")
            args, kwargs = Codec().decode(msg.get("args")), Codec().decode(msg.get("kwargs"))
            if not (isinstance(args, tuple) and isinstance(kwargs, dict)):
                raise GradingError("malformed callback")
            value = fn(*args, **kwargs)
            return {"status": "ok", "value": Codec().encode(value)}
        except Exception as exc:  # noqa: BLE001 - goes back to the kernel as its exception
            return {"status": "exception", "exception": [type(exc).__name__, "builtins", str(exc)[:4000]]}

    def describe(self, names, timeout: float, on_text) -> dict:
        """For each name: ("missing",), ("function",) or ("value", plain data)."""
        reply = self._request({"op": "describe", "names": list(names)}, Codec(), timeout, on_text)
        found = reply.get("names") if isinstance(reply.get("names"), dict) else {}
        out = {}
        for name in names:
            info = found.get(name)
            if isinstance(info, list) and info and info[0] == "function":
                out[name] = ("function",)
            elif isinstance(info, list) and len(info) == 2 and info[0] == "value":
                try:
                    out[name] = ("value", Codec().decode(info[1]))
                except WireError:
                    out[name] = ("value", Opaque("value the grader could not read"))
            else:
                out[name] = ("missing",)
        return out

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float, on_text, using=None,
             measure: bool = False):
        codec = Codec()
        request = {"op": "call", "name": name, "args": codec.encode(args), "kwargs": codec.encode(kwargs),
                   "errstate": {k: v for k, v in np.geterr().items()},
                   "using": {dep: codec.register(fn) for dep, fn in (using or {}).items()}}
        watch = MemoryWatch(self.jail_pid) if measure else None
        reply = self._request(request, codec, timeout, on_text, watch)
        self._apply_changes(leaves((args, kwargs)), reply.get("changed"))
        if reply.get("global_random_changed") is True:
            np.random.random()  # numpy's global random state moved in the kernel: move it here too
        self._warn(reply.get("warnings"))
        status = reply.get("status")
        if status == "missing":
            raise NameError(f"name '{name}' is not defined")
        if status == "exception":
            raise rebuild_exception(reply.get("exception"))
        if status != "ok":
            raise GradingError("the kernel sent a malformed answer")
        try:
            value = Codec().decode(reply.get("value"))
        except WireError as exc:
            raise GradingError(f"{name} returned something the grader cannot read ({exc})") from None
        opaque = find_opaque(value)
        if opaque:
            raise TypeError(f"{name} returned {'a value containing ' if not isinstance(value, Opaque) else ''}"
                            f"a {opaque}: only numpy arrays, numbers, strings, None, and tuples, "
                            "lists and dicts of them can be graded")
        return (value, watch.peak_bytes) if measure else value

    @staticmethod
    def _apply_changes(originals, changed):
        originals = list(originals)
        for item in changed if isinstance(changed, list) else []:
            try:
                i, encoded = item
                target = originals[i]
                new = Codec().decode(encoded)
            except (TypeError, ValueError, IndexError, WireError):
                continue
            if isinstance(target, np.ndarray) and isinstance(new, np.ndarray) and new.shape == target.shape:
                try:
                    target[...] = new
                except (ValueError, TypeError):
                    pass  # a read-only caller's array: the test will see it unchanged
            elif isinstance(target, np.random.Generator) and isinstance(new, np.random.Generator):
                target.bit_generator.state = new.bit_generator.state
                old_seq, new_seq = target.bit_generator.seed_seq, new.bit_generator.seed_seq
                if isinstance(old_seq, np.random.SeedSequence) and isinstance(new_seq, np.random.SeedSequence):
                    extra = new_seq.n_children_spawned - old_seq.n_children_spawned
                    if 0 < extra <= 10_000:
                        old_seq.spawn(extra)

    def _warn(self, caught):
        for item in caught if isinstance(caught, list) else []:
            if isinstance(item, list) and len(item) == 4 and isinstance(item[1], str):
                name, message, filename, lineno = item
                warnings.warn_explicit(message, _warning_class(str(name)), str(filename)[:200],
                                       int(lineno) if isinstance(lineno, int) else 0,
                                       registry=self.warning_registry)


class Remote:
    """A graded function, as test cells see it: calling it calls the student's function
    in the kernel."""

    def __init__(self, session: Session, name: str, timeout, on_text):
        self._session, self.__name__, self._timeout, self._on_text = session, name, timeout, on_text
        self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        return self._session.call(self.__name__, args, kwargs, self._timeout(), self._on_text)

    def using(self, **deps):
        """The function, calling the given (grader-side) functions instead of the
        notebook's own ones of those names."""
        def call(*args, **kwargs):
            return self._session.call(self.__name__, args, kwargs, self._timeout(), self._on_text, using=deps)
        return call

    def measure_memory(self, *args, **kwargs):
        """(result, peak bytes): the kernel's peak resident memory during the call above
        what it held before, measured from outside the kernel."""
        return self._session.call(self.__name__, args, kwargs, self._timeout(), self._on_text, measure=True)

    def __repr__(self):
        return f"<graded function {self.__name__}>"

"""Kernels for untrusted code: bubblewrap jail, no network, resource limits.

`SandboxedKernelManager` is a jupyter_client kernel manager whose kernel runs inside
bubblewrap (`bwrap`): the only files it sees are the system's read-only libraries, the
Python environment (read-only) and its own working folder (read-write); it has its own
empty network namespace, PID namespace and /tmp. It talks to the grader over IPC
sockets kept in the working folder, so no network is needed. Memory, file size and CPU
time are capped with setrlimit whether or not the jail is used.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, Unicode

# Runs first inside the jail: set the limits, then become the kernel.
_LIMITS = (
    "import os, resource, sys\n"
    "mem, fsize, cpu = (int(v) for v in sys.argv[1:4])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (mem, mem))\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "os.execv(sys.argv[4], sys.argv[4:])\n"
)

# Environment variables passed into the kernel (nothing else of the grader's).
_PASS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL", "TZ")


def _ro_paths() -> list[str]:
    """Read-only parts of the host the kernel needs: system libraries and Python."""
    paths = ["/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime",
             "/etc/ssl", "/etc/fonts"]
    paths += [sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)]
    return [p for p in dict.fromkeys(paths) if os.path.exists(p)]


def bwrap_command(workdir: str, *shared: str) -> list[str]:
    """bwrap arguments that jail a command to `workdir` and `shared` (read-write) and
    Python (read-only)."""
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for link in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{link}"):
            cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            cmd += ["--ro-bind", f"/{link}", f"/{link}"]
    for p in _ro_paths():
        cmd += ["--ro-bind", p, p]
    for p in (workdir, *shared):
        cmd += ["--bind", p, p]
    cmd += ["--chdir", workdir, "--clearenv"]
    env = {"HOME": workdir, "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NBGRADER_EXECUTION": "autograde"}
    env.update({k: os.environ[k] for k in _PASS_ENV if k in os.environ})
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """None when bubblewrap works here; otherwise why it does not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = bwrap_command("/tmp") + [sys.executable, "-c", "import numpy"]
    try:
        run = subprocess.run(probe, check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not start: {exc}"
    if run.returncode != 0:
        return f"bubblewrap cannot create a sandbox here: {run.stderr.strip()[-300:]}"
    return None


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel in bubblewrap with resource limits."""

    sandbox = Bool(True, help="Run the kernel inside bubblewrap.").tag(config=True)
    workdir = Unicode("", help="The only folder the kernel may read and write.").tag(config=True)
    memory_limit = Integer(2 * 1024**3, help="Address-space limit of the kernel (bytes).").tag(config=True)
    file_size_limit = Integer(64 * 1024**2, help="Largest file the kernel may write (bytes).").tag(config=True)
    cpu_limit = Integer(600, help="CPU seconds the kernel may use in all.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The kernel talks over IPC sockets in a short private folder (a socket path
        # must stay under 108 bytes), which the jail shares with the grader.
        self.ipc_dir = tempfile.mkdtemp(prefix="kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self.ipc_dir, "k")
        self.connection_file = os.path.join(self.ipc_dir, "k.json")

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.ipc_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources

    async def _async_interrupt_kernel(self):
        """Interrupt by message: a signal would reach bubblewrap, not the kernel."""
        if not self.sandbox:
            return await super()._async_interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        limits = [sys.executable, "-c", _LIMITS, str(self.memory_limit),
                  str(self.file_size_limit), str(self.cpu_limit)]
        cmd[0] = shutil.which(cmd[0]) or cmd[0]
        if cmd[0] in ("python", "python3") or os.path.basename(cmd[0]).startswith("python"):
            cmd[0] = sys.executable
        if self.sandbox:
            return bwrap_command(self.workdir or os.getcwd(), self.ipc_dir) + limits + cmd
        return limits + cmd

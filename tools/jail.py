"""The jail a student's kernel runs in: bubblewrap, an unprivileged user id, size-capped
tmpfs, limits on memory, processes, file size and CPU time, no network.

Inside the jail the kernel sees the system's libraries and the Python environment
(read-only), an empty read-only HOME, a size-capped `/tmp` that is also its working
folder (it starts empty and is thrown away with the jail: the grader never reads or
writes it), and the folder of its IPC sockets. It has its own network (loopback only),
PID, IPC and UTS namespaces. Python starts isolated (`-I`: no working folder or
PYTHONPATH on sys.path) with an empty IPython profile.

When the grader runs as root, the kernel drops to a user id of its own (so that
RLIMIT_NPROC caps the processes of one sandbox: root ignores it); otherwise bubblewrap
maps the grader's user into a new user namespace and the process cap is counted on top
of what that user already runs.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import KernelManager
from traitlets import Bool, Integer

HOME = "/home/student"
# Runs first inside the jail: limits, privileges, then becomes the kernel. Arguments:
# memory, file size, cpu seconds, processes, uid (or -1), then the kernel command.
_LIMITS = (
    "import os, resource, sys\n"
    "mem, fsize, cpu, nproc, uid = (int(v) for v in sys.argv[1:6])\n"
    "for lim, value in ((resource.RLIMIT_AS, mem), (resource.RLIMIT_FSIZE, fsize),\n"
    "                   (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 256)):\n"
    "    resource.setrlimit(lim, (value, value))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))\n"
    "try:\n"
    "    with open('/proc/self/oom_score_adj', 'w') as f:\n"
    "        f.write('1000')\n"  # under memory pressure the jail goes first
    "except OSError:\n"
    "    pass\n"
    "if uid >= 0:\n"
    "    os.setgroups([])\n"
    "    os.setresgid(uid, uid, uid)\n"
    "    os.setresuid(uid, uid, uid)\n"
    "resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))\n"
    "os.execv(sys.argv[6], sys.argv[6:])\n"
)

# The kernel itself: ipykernel without its debugger (debugpy takes a third of the kernel's
# start-up and serves no purpose when grading) and without IPython's history database;
# the garbage collector waits until the kernel has started (start-up makes objects that
# live as long as the kernel, and collecting among them costs a twentieth of it).
_KERNEL = (
    "import gc, sys\n"
    "gc.disable()\n"
    "sys.modules['debugpy'] = None\n"
    "from ipykernel.kernelapp import IPKernelApp\n"
    "app = IPKernelApp.instance()\n"
    "app.initialize()\n"
    "gc.enable()\n"
    "app.start()\n"
)

# Environment variables passed into the kernel (nothing else of the grader's).
_PASS_ENV = ("LANG", "LC_ALL", "TZ")


def _ro_paths() -> list[str]:
    """Read-only parts of the host the kernel needs: system libraries and Python."""
    paths = ["/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime", "/etc/fonts"]
    paths += [sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)]
    return [p for p in dict.fromkeys(paths) if os.path.exists(p)]


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _tasks_of_this_user() -> int:
    uid = os.getuid()
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                pass
    return count


def bwrap_command(ipc_dir: str | None = None, tmp_size: int = 64 * 2**20) -> list[str]:
    """bubblewrap arguments for the jail (followed by the command to run in it)."""
    cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
           "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not running_as_root():
        cmd.append("--unshare-user")
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--size", str(tmp_size), "--perms", "1777", "--tmpfs", "/tmp",
            "--perms", "0555", "--size", str(2**20), "--tmpfs", HOME, "--remount-ro", HOME]
    for link in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{link}"):
            cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            cmd += ["--ro-bind", f"/{link}", f"/{link}"]
    binds = _ro_paths() + ([ipc_dir] if ipc_dir else [])
    parents = sorted({str(q) for p in binds for q in Path(p).parents if str(q) not in ("/", "/usr")},
                     key=lambda q: q.count("/"))
    for q in parents:  # folders on the way, traversable by the kernel's user
        cmd += ["--perms", "0755", "--dir", q]
    for p in _ro_paths():
        cmd += ["--ro-bind", p, p]
    if ipc_dir:
        cmd += ["--bind", ipc_dir, ipc_dir]
    cmd += ["--chdir", "/tmp", "--clearenv"]
    env = {"HOME": HOME, "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
           "IPYTHONDIR": "/tmp/.ipython", "JUPYTER_CONFIG_DIR": "/tmp/.jupyter",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/.matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # large arrays get pages of their own, returned on free: the grader's memory
           # measurement (resident size, seen from outside) then sees every big array
           "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "131072",
           "NBGRADER_EXECUTION": "autograde"}
    env.update({k: os.environ[k] for k in _PASS_ENV if k in os.environ})
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """None when bubblewrap can jail a kernel here; otherwise what is missing and how to
    get it."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = bwrap_command() + [sys.executable, "-I", "-c", "import numpy"]
    try:
        run = subprocess.run(probe, check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not start: {exc}"
    if run.returncode != 0:
        return (f"bubblewrap cannot create a sandbox here ({run.stderr.strip()[-200:]}); it needs "
                "unprivileged user namespaces or root")
    return None


class JailedKernelManager(KernelManager):
    """A kernel manager whose kernel runs in the jail, with resource limits."""

    sandbox = Bool(True, help="Run the kernel inside bubblewrap.").tag(config=True)
    memory_limit = Integer(2 * 1024**3, help="Address-space limit of each process (bytes).").tag(config=True)
    file_size_limit = Integer(64 * 1024**2, help="Largest file the kernel may write (bytes).").tag(config=True)
    tmp_size = Integer(64 * 1024**2, help="Size of the kernel's /tmp (bytes).").tag(config=True)
    cpu_limit = Integer(600, help="CPU seconds each process may use.").tag(config=True)
    process_limit = Integer(64, help="Processes and threads the sandbox may have.").tag(config=True)
    uid = Integer(-1, help="User id for the kernel when the grader is root (-1: pick one).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The kernel talks over IPC sockets in a short private folder (a socket path must
        # stay under 108 bytes), shared with the jail.
        self.ipc_dir = tempfile.mkdtemp(prefix="kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self.ipc_dir, "k")
        self.connection_file = os.path.join(self.ipc_dir, "k.json")
        self.kernel_uid = -1
        if running_as_root() and self.sandbox:
            # a user id of this sandbox alone: its process cap is not shared
            self.kernel_uid = self.uid if self.uid >= 0 else 200_000 + (os.getpid() * 7 + id(self)) % 50_000
            os.chown(self.ipc_dir, self.kernel_uid, self.kernel_uid)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.kernel_uid >= 0:
            os.chown(self.connection_file, self.kernel_uid, self.kernel_uid)

    def lock_ipc_dir(self):
        """Once the kernel has made its sockets: it may no longer add, replace or remove
        entries of the folder (so the grader never connects through a planted link)."""
        if self.kernel_uid >= 0:
            os.chown(self.ipc_dir, 0, 0)
            os.chmod(self.ipc_dir, 0o755)

    def cleanup_resources(self, restart=False):
        super().cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.ipc_dir, ignore_errors=True)

    def remove_ipc_dir(self):
        shutil.rmtree(self.ipc_dir, ignore_errors=True)

    def interrupt_kernel(self):
        """Interrupt by message: a signal would reach bubblewrap, not the kernel."""
        if not self.sandbox:
            return super().interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    def format_kernel_cmd(self, extra_arguments=None):
        nproc = self.process_limit
        if self.kernel_uid < 0:
            nproc += _tasks_of_this_user()  # the cap counts all of this user's processes
        limits = [sys.executable, "-I", "-c", _LIMITS, str(self.memory_limit), str(self.file_size_limit),
                  str(self.cpu_limit), str(nproc), str(self.kernel_uid)]
        kernel = [sys.executable, "-I", "-c", _KERNEL, "-f", self.connection_file,
                  "--HistoryManager.enabled=False"]
        if self.sandbox:
            return bwrap_command(self.ipc_dir, self.tmp_size) + limits + kernel
        return limits + kernel

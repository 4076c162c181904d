"""A throwaway Dovecot (Debian's ``dovecot-imapd``) on 127.0.0.1 for the IMAP tests.

:func:`start_dovecot` writes a ``dovecot.conf`` of its own into a new temporary directory
(``base_dir``, ``state_dir``, the log, the passwd-file and the mail are all in there), runs
``dovecot -F -c dovecot.conf`` and waits until the IMAP port greets. One server offers plain
IMAP with STARTTLS (:attr:`Dovecot.url`, :attr:`Dovecot.starttls_url`) and IMAP over TLS
(:attr:`Dovecot.imaps_url`), with a self-signed certificate for 127.0.0.1 made by ``openssl``
(a dependency of ``dovecot-core``) that :meth:`Dovecot.ssl_context` trusts.

Run as root (CI, this machine), Dovecot refuses root in three places, hence the settings:
``imap-login`` must not run as root (``default_login_user`` is ``dovenull`` or ``nobody``);
the mail processes never touch mail as root ("Mail access not allowed for root"), so mail is
read and written as ``nobody`` (``mail_uid``/``mail_gid``; ``first_valid_uid``/``gid = 0``
so whichever uid passes), in a temporary directory others may pass through (pytest's own
``tmp_path`` is under a 0700 directory); and a passwd-file may not name uid 0, so its uid
fields are empty and ``mail_uid`` applies. The internal processes (auth, config, …) run as root
(``default_internal_user = root``) and read the 0600 passwd-file. Run as another user,
everything runs as that user, without chroot (``chroot =`` for imap-login and anvil: chroot
needs root).

:meth:`Dovecot.stop` and :meth:`Dovecot.start` take the server down and bring it back on the
same port and data; :meth:`Dovecot.reset_uidvalidity` rebuilds the folder's index so the same
messages come back under a new UIDVALIDITY and new UIDs (what a restored or migrated mailbox
does); :meth:`Dovecot.close` stops it for good and removes the directory.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]

from tests.servers import free_port

DOVECOT = os.environ.get("SUPPORT_DOVECOT", "/usr/sbin/dovecot")
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
USER = "ada@example.com"
# Characters a URL must encode (and a space), to prove the URL's user and password are decoded.
PASSWORD = "s3cret p@ss/w#rd?&%"


def _conf(root: Path, port: int, imaps_port: int) -> str:
    if os.geteuid() == 0:
        login_user = "dovenull" if _has_user("dovenull") else "nobody"
        nobody = pwd.getpwnam("nobody")
        as_root = (
            "default_internal_user = root\ndefault_internal_group = root\n"
            f"default_login_user = {login_user}\n"
            f"mail_uid = {nobody.pw_uid}\nmail_gid = {nobody.pw_gid}\n"
            "first_valid_uid = 0\nfirst_valid_gid = 0\n"
        )
        chroot = ""
    else:  # everything runs as this user, who may not chroot
        me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        as_root = (
            f"default_internal_user = {me}\ndefault_internal_group = {group}\n"
            f"default_login_user = {me}\nfirst_valid_uid = 0\nfirst_valid_gid = 0\n"
        )
        chroot = "  chroot =\n"
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
{as_root}
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
disable_plaintext_auth = no
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service anvil {{
{chroot}}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
"""


def _open_temp_dir() -> str:
    """The temporary directory if others may pass through it and its parents, else /tmp."""
    here = Path(tempfile.gettempdir()).resolve()
    if all(p.stat().st_mode & 0o001 for p in (here, *here.parents)):
        return str(here)
    return "/tmp"


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Dovecot:
    """One Dovecot with one account (:data:`USER`, :data:`PASSWORD`) and its folders."""

    def __init__(self) -> None:
        if not os.access(DOVECOT, os.X_OK):
            pytest.fail(
                f"Dovecot is not installed ({DOVECOT}): apt-get install dovecot-imapd "
                "(.ci/run does); the IMAP tests need a real server",
                pytrace=False,
            )
        # Not pytest's tmp_path: its parents are 0700, and as root the mail is read as `nobody`.
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-", dir=_open_temp_dir()))
        self.root.chmod(0o755)
        self.port = free_port()
        self.imaps_port = free_port()
        self.user = USER
        self.password = PASSWORD
        self.process: subprocess.Popen[bytes] | None = None
        self._make_files()

    def _make_files(self) -> None:
        root = self.root
        subprocess.run(
            [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        (root / "passwd").write_text(f"{self.user}:{self.password}::::::\n")  # no uid: mail_uid
        (root / "passwd").chmod(0o600)
        mail = root / "mail"
        mail.mkdir()
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(mail, nobody.pw_uid, nobody.pw_gid)
        (root / "dovecot.conf").write_text(_conf(root, self.port, self.imaps_port))

    # -- URLs -------------------------------------------------------------------------------

    def _userinfo(self) -> str:
        return f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"

    @property
    def url(self) -> str:
        """Plain IMAP: ``imap://user:pass@127.0.0.1:port/INBOX``."""
        return f"imap://{self._userinfo()}@127.0.0.1:{self.port}/INBOX"

    @property
    def starttls_url(self) -> str:
        return f"imap://{self._userinfo()}@127.0.0.1:{self.port}/INBOX?starttls=1"

    @property
    def imaps_url(self) -> str:
        return f"imaps://{self._userinfo()}@127.0.0.1:{self.imaps_port}/INBOX"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate (and no other)."""
        return ssl.create_default_context(cafile=str(self.root / "cert.pem"))

    # -- the process ------------------------------------------------------------------------

    def start(self) -> Dovecot:
        assert self.process is None, "already running"
        with open(self.root / "stderr.log", "ab") as out:
            self.process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while not self._greets():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self._kill()
                raise AssertionError(f"Dovecot did not start:\n{log}")
            time.sleep(0.02)
        return self

    def _greets(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                return sock.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        """Shut the server down (SIGTERM to its processes); the port then refuses."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        self._kill()

    def _kill(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever is left of the group
        self.process.wait(timeout=20)
        self.process = None

    def close(self) -> None:
        """Stop at once (SIGKILL: the data goes too) and remove the directory."""
        self._kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        parts = [self.root / "stderr.log", self.root / "dovecot.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())[-4000:]

    # -- the mailbox ------------------------------------------------------------------------

    @contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """A logged-in client of the test's own (read-write), for setting the scene."""
        with IMAPClient("127.0.0.1", self.port, ssl=False, timeout=10) as client:
            client.login(self.user, self.password)
            yield client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """APPEND ``raw`` (unseen, no flags) to ``folder``."""
        with self.client() as client:
            client.append(folder, raw)

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        """Every message's flags by UID, looked at read-only (that changes none, not \\Recent)."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            found = client.get_flags(client.search("ALL"))
            return {int(uid): tuple(flags) for uid, flags in found.items()}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset_uidvalidity(self) -> None:
        """Rebuild INBOX's index while the server is down: the same messages come back with a
        new UIDVALIDITY and new UIDs, as after a restore or a move to another server."""
        before = self.uidvalidity()
        self.stop()
        inbox = self.root / "mail" / self.user
        for index in (*inbox.glob("dovecot-uidlist*"), *inbox.glob("dovecot.index*")):
            index.unlink()
        self.start()
        assert self.uidvalidity() != before


@contextmanager
def start_dovecot() -> Iterator[Dovecot]:
    """A started Dovecot, closed (and its directory removed) on the way out."""
    server = Dovecot()
    try:
        yield server.start()
    finally:
        server.close()

"""A throwaway PostgreSQL cluster for one run, driven through scripts/pg-temp.sh."""

import os
import shutil
import subprocess
import tempfile

from .paths import ROOT

PG_TEMP = str(ROOT / "scripts" / "pg-temp.sh")


def pg_bin(tool):
    """A PostgreSQL client binary (pgbench lives outside PATH on Debian)."""
    found = shutil.which(tool)
    if found:
        return found
    for major in ("17", "16", "15"):
        candidate = f"/usr/lib/postgresql/{major}/bin/{tool}"
        if os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit(f"{tool} not found: run `bash scripts/setup.sh`")


class TempPostgres:
    def __init__(self, max_connections=200):
        self.dir = tempfile.mkdtemp(prefix="hello-bench-pg-")
        self.env = dict(os.environ, PG_MAX_CONNECTIONS=str(max_connections))
        self.url = None

    def _run(self, *args):
        return subprocess.run(
            [PG_TEMP, *args, self.dir], env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()

    def start(self):
        self.url = self._run("start")
        return self.url

    def restart(self):
        self._run("restart")

    def stop(self):
        self._run("stop")

    def pid(self):
        return int(self._run("pid"))

    def port(self):
        with open(os.path.join(self.dir, "port")) as f:
            return int(f.read())

    def destroy(self):
        subprocess.run([PG_TEMP, "destroy", self.dir], env=self.env, check=False, capture_output=True)

    def psql(self, sql):
        """Run SQL as the app role (the same credentials the servers use)."""
        return subprocess.run(
            [pg_bin("psql"), self.url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            check=True, capture_output=True, text=True,
        ).stdout.strip()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.destroy()

"""Runs ../shared/conformance/scan_contract.py when the shared folder is beside
the checkout (CI has it; a user's clone does not: then the test is skipped)."""
import os, subprocess, sys
from harness import *

script = os.path.join(SRC, "..", "shared", "conformance", "scan_contract.py")
if not os.path.exists(script):
    print("no ../shared/conformance: skipped")
    sys.exit(77)
# The check calls build/distillguard relative to the working directory.
work = fresh_workdir()
os.makedirs(os.path.join(work, "build"))
os.symlink(BIN, os.path.join(work, "build", "distillguard"))
p = subprocess.run([sys.executable, script], cwd=work, capture_output=True, text=True, timeout=300)
print(p.stdout, p.stderr)
check(p.returncode == 0 and "contract ok" in p.stdout, "shared conformance check failed")
finish()

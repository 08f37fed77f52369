"""Live firewall policy through rampartd, the credential check and the audit log.

PolicyEdit: `rampartctl policy add` of a deny for the server's TCP :80 makes
the client's HTTP fail at once (no restart of anything); `policy rollback`
makes it work again; `policy history` lists 3 versions; STATE/policy/v1..v3
and `current` exist; each change is audited with uid 0.

Unprivileged: with the socket opened wide (chmod 0666) a caller with uid
65534 is still refused by the daemon's own credential check ("permission
denied"), the refusal is audited with uid 65534, and nothing changed.

Run as root: /usr/bin/python3 -m unittest tests/e2e/test_ctrlplane_policy.py -v
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402
from ctrlplane_env import ControlPlaneTestCase  # noqa: E402

INITIAL_FIREWALL = {
    "zones": {"outside": ["bridge-a"], "inside": ["bridge-b"]},
    "default-action": "allow",
    "rules": [{"name": "hide-rdp", "ingress": "outside", "proto": "tcp", "dst-port": 3389,
               "action": "deny", "log": True}],
}
NOBODY = 65534


class PolicyEdit(ControlPlaneTestCase):
    FIREWALL = INITIAL_FIREWALL

    def http_ok(self):
        r = self.client("http", timeout=2.0)
        return (r["result"], r["status"]) == ("response", 200)

    def test_add_deny_then_rollback(self):
        self.assertTrue(self.http_ok(), "HTTP must work before the change")
        v0 = self.ctl_ok("status", as_json=True)["policy_version"]
        t0 = time.monotonic()
        out = self.ctl_ok("policy", "add", "--name", "deny-web", "--action", "deny", "--position", "1",
                          "--ingress", "outside", "--proto", "tcp", "--dst", lab.SERVER_IP,
                          "--dst-port", "80", "--log")
        self.assertIn("version %d" % (v0 + 1), out)
        r = self.client("http", timeout=2.0)
        self.assertEqual(r["result"], "timeout", "HTTP still works %.1f s after `policy add` returned: %r"
                         % (time.monotonic() - t0, r))
        self.audit_entry("policy add --name deny-web")
        listing = self.ctl_ok("policy", "list", as_json=True)
        self.assertIn("deny-web", str(listing))

        self.ctl_ok("policy", "rollback")
        self.assertTrue(self.http_ok(), "HTTP must work again after `policy rollback`")
        self.audit_entry("policy rollback")

        history = self.ctl_ok("policy", "history", as_json=True)
        versions = history.get("history") if isinstance(history, dict) else history
        self.assertEqual([v["version"] for v in versions], [1, 2, 3], history)
        self.assertEqual(self.ctl_ok("status", as_json=True)["policy_version"], v0 + 2)
        for v in (1, 2, 3):
            self.assertTrue(os.path.isfile(os.path.join(self.state_dir, "policy", "v%d.yaml" % v)), v)
        with open(os.path.join(self.state_dir, "policy", "current")) as f:
            self.assertEqual(f.read().strip(), "3")
        # The rollback is a copy of v1 (like a git revert).
        with open(os.path.join(self.state_dir, "policy", "v1.yaml")) as f1, \
                open(os.path.join(self.state_dir, "policy", "v3.yaml")) as f3:
            self.assertEqual(f1.read(), f3.read())
        with open(os.path.join(self.state_dir, "policy", "v2.yaml")) as f2:
            self.assertIn("deny-web", f2.read())

    def test_read_only_commands_are_not_audited(self):
        before = len(self.audit())
        for args in (("status",), ("stats",), ("policy", "list"), ("policy", "history"), ("block", "list")):
            self.ctl_ok(*args)
        self.assertEqual(len(self.audit()), before, self.audit()[before:])

    def test_socket_is_created_0660(self):
        self.assertEqual(os.stat(self.socket).st_mode & 0o777, 0o660)

    def test_invalid_rule_refused_and_audited(self):
        v0 = self.ctl_ok("status", as_json=True)["policy_version"]
        run = self.ctl("policy", "add", "--name", "bad", "--action", "deny", "--dst", "300.1.2.3")
        self.assertEqual(run.returncode, 1, run)
        self.assertTrue(run.stderr.strip(), "a refusal names its reason")
        self.audit_entry("policy add --name bad", result_prefix="refused")
        self.assertEqual(self.ctl_ok("status", as_json=True)["policy_version"], v0)


class Unprivileged(ControlPlaneTestCase):
    FIREWALL = INITIAL_FIREWALL
    SOCKET_MODE = 0o666

    def test_nobody_refused_by_credential_check_and_audited(self):
        v0 = self.ctl_ok("status", as_json=True)["policy_version"]
        run = self.ctl("policy", "add", "--name", "evil", "--action", "allow", uid=NOBODY)
        self.assertNotEqual(run.returncode, 0, run)
        self.assertIn("permission denied", run.stderr.lower(), run.stderr)
        e = self.audit_entry("policy add --name evil", uid=NOBODY, result_prefix="refused")
        self.assertIn("permission denied", e["result"])
        self.assertEqual(self.ctl_ok("status", as_json=True)["policy_version"], v0)
        self.assertNotIn("evil", self.ctl_ok("policy", "list"))
        # Read-only commands are refused too (the credential check comes first).
        run = self.ctl("status", uid=NOBODY)
        self.assertNotEqual(run.returncode, 0, run)


if __name__ == "__main__":
    unittest.main()

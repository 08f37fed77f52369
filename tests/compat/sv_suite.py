"""Discovery and eligibility of suricata-verify tests for Rampart.

Owned by tests/compat; run_compat.py is the caller.  Turns each test
directory (any directory under the suite's tests/ holding a test.yaml) into
a TestPlan: either a skip with a reason, or what to run (pcap, rules file,
--simulate-ips) and which alert checks to evaluate.

The scoring rules (kept fixed so figures compare between runs):
- Target is Suricata 8 (its newest 8.x release): `requires` lt-version <= 8
  skips, min-version/version above 8 skips; gt-version is honoured too.
  The same rules decide whether a single check's own `requires` applies.
- `requires` script/files/command/features/pcap:false skip the test; so do
  any other requirement we cannot show to hold (os/arch are compared with
  this host; the only `lambda` understood is `sys.platform != "win32"`).
- Tests with a `command`, `setup` scripts, `unix-commands`, a non-zero
  `exit-code`, or `skip: uid` matching our uid are skipped.
- `args` may hold only `-k none`, `--simulate-ips` and `--set` of HTTP body
  decompression keys, stream.inline or stream.midstream.  Everything else
  skips the test.  (The --set values cannot be passed to rampart-dp; they
  are recorded in the plan.)
- `--simulate-ips` is passed when args hold it, or when the test's name
  contains "ips" (the suite's own convention).
- Rules: the directory's single *.rules file (none: an empty rule set;
  several: skipped, those are firewall-mode tests).  Pcap: test.yaml's
  `pcap` relative to the test directory, else the single *.pcap/*.pcapng.
- Only `filter` checks whose match has `event_type: alert` and that read
  eve.json are evaluated; all others are counted as ignored.  A test with
  no alert check is skipped ("no alert checks").
- Tests shipping their own suricata.yaml run with defaults and are flagged
  (own_yaml) so the report counts them separately.
"""

import glob
import os
import re
import shlex
import sys

import yaml

TARGET_VERSION = (8, 999, 999)  # "Suricata 8": its newest 8.x release

ALLOWED_SET_KEY_RE = re.compile(
    r"^(stream\.inline|stream\.midstream|"
    r"app-layer\.protocols\.http\.libhtp\.default-config\."
    r"(response-body-decompress-layer-limit|lzma-enabled|lzma-memlimit|"
    r"swf-decompression\.[a-z-]+))$")


class TestPlan:
    """What the runner needs to know about one suricata-verify test."""

    def __init__(self, name, directory):
        self.name = name
        self.directory = directory
        self.skip_reason = None      # category, e.g. "args", "requires"
        self.skip_detail = None      # specifics, e.g. "--engine-analysis"
        self.pcap = None
        self.rules = None            # None: run with an empty rule set
        self.simulate_ips = False
        self.own_yaml = os.path.exists(os.path.join(directory, "suricata.yaml"))
        self.ignored_set_args = []
        self.alert_checks = []       # list of {"count": n, "match": {...}}
        self.ignored_checks = {}     # kind -> number
        self.expects_alert = False

    def skip(self, reason, detail=""):
        if self.skip_reason is None:
            self.skip_reason = reason
            self.skip_detail = str(detail)
        return self


def parse_version(value):
    """'8', 8.0, '7.0.12' -> (major, minor, patch), missing parts as None."""
    m = re.match(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(value))
    if not m:
        return None
    return tuple(int(g) if g is not None else None for g in m.groups())


def _padded(version):
    return tuple(0 if part is None else part for part in version)


def _version_equal(target, wanted):
    for t, w in zip(target, wanted):
        if w is not None and t != w:
            return False
    return True


def requirement_failure(requires):
    """Returns (reason, detail) when `requires` rules the target out, else None."""
    if not requires:
        return None
    if not isinstance(requires, dict):
        return ("requires", "malformed requires")
    for key, value in requires.items():
        if key in ("min-version", "lt-version", "gt-version", "version"):
            wanted = parse_version(value)
            if wanted is None:
                return ("requires", "unparsable %s %r" % (key, value))
            if key == "min-version" and TARGET_VERSION < _padded(wanted):
                return ("version", "min-version %s" % value)
            if key == "lt-version" and not TARGET_VERSION < _padded(wanted):
                return ("version", "lt-version %s" % value)
            if key == "gt-version" and not TARGET_VERSION > _padded(wanted):
                return ("version", "gt-version %s" % value)
            if key == "version" and not _version_equal(TARGET_VERSION, wanted):
                return ("version", "version %s" % value)
        elif key == "pcap":
            if not value:
                return ("pcap: false", "")
        elif key in ("script", "files", "command"):
            return ("requires " + key, str(value)[:80])
        elif key == "features":
            return ("requires features", " ".join(str(f) for f in (value or [])))
        elif key == "os":
            if not sys.platform.startswith(str(value)):
                return ("requires os", str(value))
        elif key == "arch":
            if os.uname().machine != str(value):
                return ("requires arch", str(value))
        elif key == "lambda":
            if str(value).replace("'", '"').strip() != 'sys.platform != "win32"':
                return ("requires lambda", str(value))
        else:
            return ("requires " + str(key), str(value)[:80])
    return None


def _split_args(args):
    tokens = []
    for arg in args if isinstance(args, list) else [args]:
        tokens += shlex.split(str(arg))
    return tokens


def _check_args(plan, args):
    tokens = _split_args(args)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "-k" and i + 1 < len(tokens) and tokens[i + 1] == "none":
            i += 2
        elif token == "--simulate-ips":
            plan.simulate_ips = True
            i += 1
        elif token == "--set" and i + 1 < len(tokens):
            key = tokens[i + 1].split("=", 1)[0]
            if not ALLOWED_SET_KEY_RE.match(key):
                return plan.skip("args", "--set " + key)
            plan.ignored_set_args.append(tokens[i + 1])
            i += 2
        else:
            return plan.skip("args", token)
    return plan


def _find_pcap(plan, config):
    if "pcap" in config:
        if not config["pcap"]:
            return plan.skip("pcap: false")
        path = os.path.normpath(os.path.join(plan.directory, str(config["pcap"])))
        if not os.path.isfile(path):
            return plan.skip("pcap missing", config["pcap"])
        plan.pcap = path
        return plan
    pcaps = sorted(glob.glob(os.path.join(plan.directory, "*.pcap")) +
                   glob.glob(os.path.join(plan.directory, "*.pcapng")))
    if not pcaps:
        return plan.skip("no pcap")
    if len(pcaps) > 1:
        return plan.skip("multiple pcaps")
    plan.pcap = pcaps[0]
    return plan


def _classify_checks(plan, checks):
    if not isinstance(checks, list):
        checks = []
    for check in checks:
        if not isinstance(check, dict):
            plan.ignored_checks["malformed"] = plan.ignored_checks.get("malformed", 0) + 1
            continue
        for kind, body in check.items():
            label = kind
            if kind == "filter" and isinstance(body, dict):
                match = body.get("match") or {}
                event_type = match.get("event_type") if isinstance(match, dict) else None
                filename = body.get("filename")
                label = "filter:%s" % (event_type or "any")
                if event_type == "alert" and filename in (None, "eve.json"):
                    failure = requirement_failure(body.get("requires"))
                    if failure:
                        label = "filter:alert (requires: %s)" % failure[1]
                    else:
                        count = body.get("count")
                        plan.alert_checks.append({"count": count, "match": match})
                        if not isinstance(count, int) or count >= 1:
                            plan.expects_alert = True
                        continue
                elif event_type == "alert":
                    label = "filter:alert (file %s)" % filename
            plan.ignored_checks[label] = plan.ignored_checks.get(label, 0) + 1


def plan_test(name, directory):
    """Reads directory/test.yaml and returns its TestPlan."""
    plan = TestPlan(name, directory)
    try:
        with open(os.path.join(directory, "test.yaml"), "rb") as f:
            config = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as err:
        return plan.skip("bad test.yaml", str(err).splitlines()[0])
    if not isinstance(config, dict):
        return plan.skip("bad test.yaml", "not a mapping")

    # Checks first, so that skipped tests still say whether they expect alerts.
    _classify_checks(plan, config.get("checks"))

    failure = requirement_failure(config.get("requires"))
    if failure:
        return plan.skip(*failure)
    if "command" in config:
        return plan.skip("command")
    if config.get("setup"):
        return plan.skip("setup script")
    if config.get("unix-commands"):
        return plan.skip("unix-commands")
    if config.get("exit-code", 0) not in (0, None):
        return plan.skip("expects exit-code", config["exit-code"])
    for entry in config.get("skip") or []:
        if isinstance(entry, dict) and "uid" in entry and entry["uid"] == os.getuid():
            return plan.skip("skip uid", entry.get("msg", ""))
    if "args" in config and config["args"]:
        _check_args(plan, config["args"])
        if plan.skip_reason:
            return plan
    if "ips" in os.path.basename(directory):
        plan.simulate_ips = True
    _find_pcap(plan, config)
    if plan.skip_reason:
        return plan
    rules = sorted(glob.glob(os.path.join(directory, "*.rules")))
    if len(rules) > 1:
        return plan.skip("multiple rules files", " ".join(os.path.basename(r) for r in rules))
    plan.rules = rules[0] if rules else None
    if not plan.alert_checks:
        return plan.skip("no alert checks")
    return plan


def discover(suite_dir):
    """All tests under suite_dir/tests as (name, directory), sorted by name.

    The name is the path relative to tests/ (e.g. `ftp/ftp-bounce`)."""
    root = os.path.join(suite_dir, "tests")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if "test.yaml" in filenames:
            found.append((os.path.relpath(dirpath, root), dirpath))
    found.sort()
    return found

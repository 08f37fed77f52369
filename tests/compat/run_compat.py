#!/usr/bin/python3
"""Suricata-verify compatibility runner for rampart-dp.

Runs the alert checks of the suricata-verify tests in
../shared/data/suricata-verify against rampart-dp and reports how many hold.
Eligibility and scoring rules are documented in sv_suite.py; the check
language in sv_checks.py.

Usage (from the repository root, with Debian's /usr/bin/python3):
  tests/compat/run_compat.py                  run every eligible test, print figures
  tests/compat/run_compat.py --dry-run        only classify (no binary needed)
  tests/compat/run_compat.py --json out.json --write-pass-list pass.txt
  tests/compat/run_compat.py --check-regressions tests/compat/passing.txt
        run exactly the listed tests, print TAP (ok N - name / not ok N - name # why),
        exit 1 if any failed.  This is what the meson test suite runs.
Options: --only-list FILE, --filter REGEX, -j N (default nproc), --timeout S
(default 60), --verbose, --suite DIR, --eal-args "ARGS" (appended after `--`).

The binary is $RAMPART_DP (default build/dataplane/dpdk/rampart-dp).  Each
test runs in its own temporary directory holding a copy of the test's rules
and a symlink to the suite's etc/classification.config beside them, so that
rampart-dp reads the classification file Suricata's tests were written for.
Nothing from the suite is copied into the repository.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sv_checks  # noqa: E402
import sv_suite  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SUITE = os.path.join(REPO_ROOT, "..", "shared", "data", "suricata-verify")
DEFAULT_BINARY = os.path.join(REPO_ROOT, "build", "dataplane", "dpdk", "rampart-dp")
STDERR_TAIL = 300


def binary_path():
    """Absolute, because each test runs with its temporary directory as cwd."""
    return os.path.abspath(os.environ.get("RAMPART_DP") or DEFAULT_BINARY)


SANITIZER_RE = re.compile(r"ERROR: \w+Sanitizer|runtime error:")


def _stderr_tail(text):
    """The last lines of stderr, led by a sanitizer's headline when there is one."""
    lines = text.strip().splitlines()
    picked = [line for line in lines if SANITIZER_RE.search(line)][:1]
    picked += [line for line in lines[-3:] if line not in picked]
    return " | ".join(picked)[-STDERR_TAIL:]


def _exit_description(returncode):
    if returncode < 0:
        try:
            return "killed by %s" % signal.Signals(-returncode).name
        except ValueError:
            return "killed by signal %d" % -returncode
    return "exit %d" % returncode


def _read_eve(path):
    """Returns (records, error).  Every line must be one JSON object."""
    records = []
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as err:
                    return records, "eve.json line %d is not JSON: %s" % (number, err)
                if not isinstance(record, dict):
                    return records, "eve.json line %d is not an object" % number
                records.append(record)
    except FileNotFoundError:
        return records, "no eve.json written"
    return records, None


def _describe_match(match):
    return ", ".join("%s=%r" % (k, v) for k, v in match.items() if k != "event_type") or "any"


def evaluate(plan, records):
    """Returns None when all alert checks hold, else the first failure."""
    for check in plan.alert_checks:
        got = sv_checks.count_matches(check["match"], records)
        if got != check["count"]:
            return "alert check {%s}: expected %s, got %d" % (
                _describe_match(check["match"]), check["count"], got)
    return None


def run_one(plan, args):
    """Runs rampart-dp on one planned test; returns a result dict."""
    result = {"name": plan.name, "status": "fail", "reason": "", "seconds": 0.0}
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rampart-compat-") as tmp:
        rules_dir = os.path.join(tmp, "rules")
        os.mkdir(rules_dir)
        rules_path = os.path.join(rules_dir, "test.rules")
        if plan.rules:
            shutil.copyfile(plan.rules, rules_path)
        else:
            open(rules_path, "w").close()
        os.symlink(os.path.join(os.path.abspath(args.suite), "etc", "classification.config"),
                   os.path.join(rules_dir, "classification.config"))
        eve = os.path.join(tmp, "eve.json")
        command = [binary_path(), "--pcap", plan.pcap, "--rules", rules_path,
                   "--eve", eve, "--stats", os.path.join(tmp, "stats.json")]
        if plan.simulate_ips:
            command.append("--simulate-ips")
        # `--set stream.midstream=true` has a Rampart equivalent: the flow
        # table's midstream pick-up, set through a config file.
        if "stream.midstream=true" in plan.ignored_set_args:
            config = os.path.join(tmp, "rampart.yaml")
            with open(config, "w") as f:
                f.write("flow:\n  midstream: true\n")
            command += ["--config", config]
        if args.eal_args:
            command += ["--"] + shlex.split(args.eal_args)
        env = dict(os.environ, TZ="UTC")
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        try:
            proc = subprocess.run(command, cwd=tmp, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            result["reason"] = "timeout after %ss" % args.timeout
        except OSError as err:
            result["reason"] = "cannot run %s: %s" % (command[0], err)
        else:
            stderr = proc.stderr.decode("utf-8", "replace")
            if proc.returncode != 0:
                result["reason"] = "%s: %s" % (_exit_description(proc.returncode),
                                               _stderr_tail(stderr))
            else:
                records, error = _read_eve(eve)
                failure = error or evaluate(plan, records)
                if failure:
                    result["reason"] = failure
                else:
                    result["status"] = "pass"
        if args.verbose:
            result["command"] = " ".join(shlex.quote(c) for c in command)
    result["seconds"] = round(time.monotonic() - start, 3)
    return result


def _read_name_list(path):
    names = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def _tally(results, plans, subset):
    """Figures for the plans selected by `subset` (a predicate on a plan)."""
    figures = {"attempted": 0, "passed": 0, "failed": 0, "skipped": {}}
    for plan in plans:
        if not subset(plan):
            continue
        if plan.skip_reason:
            figures["skipped"][plan.skip_reason] = figures["skipped"].get(plan.skip_reason, 0) + 1
            continue
        figures["attempted"] += 1
        status = results[plan.name]["status"]
        if status == "pass":
            figures["passed"] += 1
        elif status == "fail":
            figures["failed"] += 1
    figures["skipped"] = dict(sorted(figures["skipped"].items(), key=lambda kv: (-kv[1], kv[0])))
    return figures


def _print_figures(title, figures):
    attempted = figures["attempted"]
    rate = (100.0 * figures["passed"] / attempted) if attempted else 0.0
    print("%s: attempted %d, passed %d (%.1f%%), failed %d, skipped %d" % (
        title, attempted, figures["passed"], rate, figures["failed"],
        sum(figures["skipped"].values())))
    for reason, count in figures["skipped"].items():
        print("    skipped %5d  %s" % (count, reason))


def build_report(plans, results):
    main = lambda p: not p.own_yaml  # noqa: E731
    report = {
        "binary": binary_path(),
        "all_eligible": _tally(results, plans, main),
        "expecting_alerts": _tally(results, plans, lambda p: main(p) and p.expects_alert),
        "own_suricata_yaml": _tally(results, plans, lambda p: p.own_yaml),
        "own_suricata_yaml_expecting_alerts": _tally(
            results, plans, lambda p: p.own_yaml and p.expects_alert),
        "ignored_checks": {},
        "tests": [],
    }
    for plan in plans:
        entry = {"name": plan.name, "own_yaml": plan.own_yaml,
                 "expects_alert": plan.expects_alert}
        if plan.skip_reason:
            entry.update(status="skip", reason=plan.skip_reason, detail=plan.skip_detail)
        else:
            entry.update(results[plan.name])
            entry["simulate_ips"] = plan.simulate_ips
            entry["ignored_set_args"] = plan.ignored_set_args
            for kind, count in plan.ignored_checks.items():
                report["ignored_checks"][kind] = report["ignored_checks"].get(kind, 0) + count
        report["tests"].append(entry)
    report["ignored_checks"] = dict(sorted(report["ignored_checks"].items(),
                                           key=lambda kv: (-kv[1], kv[0])))
    return report


def print_report(report, verbose):
    _print_figures("All eligible tests", report["all_eligible"])
    _print_figures("Tests expecting alerts", report["expecting_alerts"])
    _print_figures("Own suricata.yaml (run with defaults)", report["own_suricata_yaml"])
    _print_figures("Own suricata.yaml, expecting alerts",
                   report["own_suricata_yaml_expecting_alerts"])
    ignored = report["ignored_checks"]
    print("Ignored checks in attempted tests: %d" % sum(ignored.values()))
    for kind, count in list(ignored.items())[:15 if not verbose else None]:
        print("    %5d  %s" % (count, kind))
    for entry in report["tests"]:
        if entry["status"] == "fail":
            print("FAIL %s: %s" % (entry["name"], entry["reason"]))
        elif verbose and entry["status"] == "skip":
            print("SKIP %s: %s %s" % (entry["name"], entry["reason"], entry["detail"]))


def run_plans(plans, args, on_result=None):
    results = {}
    runnable = [p for p in plans if not p.skip_reason]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, plan, args): plan for plan in runnable}
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results[result["name"]] = result
            if on_result:
                on_result(result)
    return results


def check_regressions(args):
    """TAP mode: run exactly the listed tests; every one must pass."""
    names = _read_name_list(args.check_regressions)
    if not names:
        print("1..0 # SKIP no tests listed in %s" % args.check_regressions)
        return 0
    if not os.path.isdir(os.path.join(args.suite, "tests")):
        print("1..0 # SKIP suricata-verify data not found at %s" % args.suite)
        return 0
    if not os.access(binary_path(), os.X_OK):
        print("1..0 # SKIP rampart-dp not found at %s (set RAMPART_DP)" % binary_path())
        return 0
    known = dict(sv_suite.discover(args.suite))
    plans = []
    for name in names:
        if name in known:
            plans.append(sv_suite.plan_test(name, known[name]))
        else:
            plans.append(sv_suite.TestPlan(name, "").skip("not in suite", name))
    results = run_plans(plans, args)
    print("1..%d" % len(plans))
    failed = 0
    for number, plan in enumerate(plans, 1):
        if plan.skip_reason:
            reason = "no longer eligible: %s %s" % (plan.skip_reason, plan.skip_detail)
        elif results[plan.name]["status"] == "pass":
            print("ok %d - %s" % (number, plan.name))
            continue
        else:
            reason = results[plan.name]["reason"]
        failed += 1
        print("not ok %d - %s # %s" % (number, plan.name, reason.replace("\n", " ")))
    return 1 if failed else 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default=DEFAULT_SUITE,
                        help="suricata-verify checkout (default ../shared/data/suricata-verify)")
    parser.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    parser.add_argument("--only-list", metavar="FILE", help="run only the tests named in FILE")
    parser.add_argument("--write-pass-list", metavar="FILE",
                        help="write the sorted names of passing tests")
    parser.add_argument("--check-regressions", metavar="FILE",
                        help="TAP mode: run the listed tests, fail if any fails")
    parser.add_argument("-j", "--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="parallel runs (default: nproc)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per test")
    parser.add_argument("--filter", metavar="REGEX", help="only tests whose name matches")
    parser.add_argument("--dry-run", action="store_true",
                        help="classify only; print the eligibility breakdown")
    parser.add_argument("--eal-args", default="", help="extra EAL arguments after `--`")
    parser.add_argument("--verbose", "-v", action="store_true")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    args.suite = os.path.abspath(args.suite)
    if args.check_regressions:
        return check_regressions(args)
    if not os.path.isdir(os.path.join(args.suite, "tests")):
        print("run_compat: suricata-verify data not found at %s" % args.suite, file=sys.stderr)
        return 2
    tests = sv_suite.discover(args.suite)
    if args.only_list:
        wanted = set(_read_name_list(args.only_list))
        tests = [t for t in tests if t[0] in wanted]
    if args.filter:
        pattern = re.compile(args.filter)
        tests = [t for t in tests if pattern.search(t[0])]
    plans = [sv_suite.plan_test(name, directory) for name, directory in tests]

    if args.dry_run:
        results = {p.name: {"name": p.name, "status": "not run", "reason": "dry run"}
                   for p in plans if not p.skip_reason}
    else:
        if not os.access(binary_path(), os.X_OK):
            print("run_compat: rampart-dp not found at %s (set RAMPART_DP)" % binary_path(),
                  file=sys.stderr)
            return 2

        def progress(result):
            if args.verbose:
                print("%s %s %s" % (result["status"].upper(), result["name"],
                                    result["reason"]), flush=True)
        results = run_plans(plans, args, progress)

    report = build_report(plans, results)
    report["dry_run"] = args.dry_run
    print("%d tests found%s" % (len(plans), " (dry run: nothing executed)" if args.dry_run else ""))
    print_report(report, args.verbose)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, sort_keys=False)
            f.write("\n")
    if args.write_pass_list and not args.dry_run:
        passing = sorted(e["name"] for e in report["tests"] if e["status"] == "pass")
        with open(args.write_pass_list, "w") as f:
            f.write("".join(name + "\n" for name in passing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

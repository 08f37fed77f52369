#!/usr/bin/python3
"""Run Rampart's whole test suite against one build directory and count cases.

Usage: tests/run.py --build BUILD_DIR [--suite unit,e2e,compat,fuzz] [--fuzz-seconds N]

Suites, each counted per test case:
  unit    every cmocka executable registered with meson (suite 'unit'), run with
          TAP output: one case per cmocka test.
  e2e     python unittest modules under tests/e2e (the real rampart-dp on
          captures made at test time): one case per test method / subTest.
  compat  the committed suricata-verify regression list (tests/compat/passing.txt):
          one case per suricata-verify test.
  fuzz    each libFuzzer target under tests/fuzz for a short smoke run: one case
          per target.

The last line printed is `N passed, N failed` (plus `, N skipped`), and the exit
status is non-zero exactly when a case failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sanitizer reports must fail the run, not scroll past.
SAN_ENV = {
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
    "ASAN_OPTIONS": "abort_on_error=0:detect_leaks=1:halt_on_error=1",
}

TAP_LINE = re.compile(r"^(not ok|ok)\s+\d+\s*-?\s*(.*?)(\s+#\s*(SKIP|skip).*)?$")


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def add(self, suite, name, outcome, detail=""):
        if outcome == "pass":
            self.passed += 1
        elif outcome == "skip":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(f"{suite}: {name} {detail}".rstrip())


def env_with(extra=None):
    env = dict(os.environ)
    for k, v in SAN_ENV.items():
        env.setdefault(k, v)
    if extra:
        env.update(extra)
    return env


def parse_tap(text, suite, prefix, tally):
    seen = 0
    for line in text.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            continue
        seen += 1
        name = f"{prefix}:{m.group(2)}"
        if m.group(4):
            tally.add(suite, name, "skip")
        elif m.group(1) == "ok":
            tally.add(suite, name, "pass")
        else:
            tally.add(suite, name, "fail")
    return seen


def run_unit(build, tally):
    out = subprocess.run(["meson", "introspect", "--tests", build], capture_output=True, text=True)
    if out.returncode != 0:
        tally.add("unit", "meson introspect", "fail", out.stderr.strip())
        return
    tests = [t for t in json.loads(out.stdout) if "unit" in t.get("suite", []) or
             any(s.endswith(":unit") for s in t.get("suite", []))]
    for t in sorted(tests, key=lambda t: t["name"]):
        env = env_with({"CMOCKA_MESSAGE_OUTPUT": "TAP"})
        env.update(t.get("env") or {})
        t0 = time.time()
        try:
            p = subprocess.run(t["cmd"], capture_output=True, text=True, env=env,
                               cwd=t.get("workdir") or ROOT, timeout=600)
            text, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            text, rc = "", -1
        seen = parse_tap(text, "unit", t["name"], tally)
        if rc != 0 and (seen == 0 or "ERROR: AddressSanitizer" in text or "runtime error" in text):
            # A crash or sanitizer report outside a counted case is a failure of its own.
            tail = "\n".join(text.splitlines()[-15:])
            tally.add("unit", t["name"], "fail", f"(exit {rc})\n{tail}")
        print(f"  unit {t['name']}: {seen} cases, exit {rc}, {time.time() - t0:.1f}s", flush=True)


UNITTEST_RESULT = re.compile(r"^(test\w*) \(([\w.]+)\)(?: \[(.*?)\])?(?: \(.*\))? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$")


def run_e2e(build, tally):
    run_unittest_dir(build, tally, "e2e", os.path.join(ROOT, "tests", "e2e"))


def run_unittest_dir(build, tally, suite, e2e):
    if not os.path.isdir(e2e):
        return
    env = env_with({"RAMPART_DP": os.path.join(build, "dataplane", "dpdk", "rampart-dp"),
                    "RAMPART_BUILD": build, "PYTHONPATH": ROOT})
    p = subprocess.run(["/usr/bin/python3", "-m", "unittest", "discover", "-s", e2e, "-t", ROOT, "-v"],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    text = p.stdout + p.stderr
    seen = 0
    sub_fail = set()
    # unittest prints subTest failures as "FAIL: test_x (mod.Class) [params]" blocks.
    for m in re.finditer(r"^(FAIL|ERROR): (test\w*) \(([\w.]+)\)(?: \((.*?)\))?", text, re.M):
        sub_fail.add((m.group(2), m.group(3), m.group(4)))
    for line in text.splitlines():
        m = UNITTEST_RESULT.match(line.strip())
        if not m:
            continue
        seen += 1
        name = f"{m.group(2)}.{m.group(1)}"
        res = m.group(4)
        if res == "ok" or res == "expected failure":
            tally.add(suite, name, "pass")
        elif res.startswith("skipped"):
            tally.add(suite, name, "skip")
        else:
            tally.add(suite, name, "fail")
    # Cases reported only as failure blocks (subTests inside a passing-looking line).
    for (meth, cls, params) in sorted(sub_fail, key=str):
        if params:
            seen += 1
            tally.add(suite, f"{cls}.{meth} ({params})", "fail")
    if p.returncode != 0:
        print("\n".join(text.splitlines()[-60:]))
    if seen == 0 and p.returncode != 0:
        tally.add(suite, "unittest discover", "fail", f"exit {p.returncode}")
    print(f"  {suite}: {seen} cases, exit {p.returncode}", flush=True)


def run_compat(build, tally):
    # The runner's own check language and scoring rules, then the regression list.
    run_unittest_dir(build, tally, "compat-selftest", os.path.join(ROOT, "tests", "compat"))
    runner = os.path.join(ROOT, "tests", "compat", "run_compat.py")
    plist = os.path.join(ROOT, "tests", "compat", "passing.txt")
    if not (os.path.exists(runner) and os.path.exists(plist)):
        return
    if not os.path.isdir(os.path.join(ROOT, "..", "shared", "data", "suricata-verify")):
        print("  compat: ../shared/data/suricata-verify absent, skipped")
        return
    env = env_with({"RAMPART_DP": os.path.join(build, "dataplane", "dpdk", "rampart-dp")})
    p = subprocess.run(["/usr/bin/python3", runner, "--check-regressions", plist],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    seen = parse_tap(p.stdout, "compat", "sv", tally)
    if p.returncode != 0:
        print("\n".join([l for l in p.stdout.splitlines() if l.startswith("not ok")][:40]))
        print(p.stderr[-3000:])
    if seen == 0 and p.returncode != 0:
        tally.add("compat", "run_compat", "fail", f"exit {p.returncode}")
    print(f"  compat: {seen} cases, exit {p.returncode}", flush=True)


def make_seeds(build, target):
    """Seed corpus made at run time from real inputs (never committed):
    decode: the first frames of a few shared Ethernet captures (link byte 0);
    rule_parser: the bundled rules and every 50th ET Open 2024 rule;
    config: the bundled firewall policy; inline_frame: Ethernet frames as for decode."""
    seeds = os.path.join(build, "fuzz-seeds", target)
    if os.path.isdir(seeds):
        return seeds
    os.makedirs(seeds)
    shared = os.path.join(ROOT, "..", "shared", "data")
    n = 0
    if target == "rule_parser":
        rules = [os.path.join(ROOT, "signatures", "rules", f)
                 for f in sorted(os.listdir(os.path.join(ROOT, "signatures", "rules"))) if f.endswith(".rules")]
        et = os.path.join(shared, "rules", "et-open-2024")
        if os.path.isdir(et):
            rules += [os.path.join(et, f) for f in sorted(os.listdir(et)) if f.endswith(".rules")]
        i = 0
        for path in rules:
            with open(path, errors="replace") as f:
                for line in f:
                    if line.startswith(("alert", "drop", "reject", "pass")):
                        i += 1
                        if "/signatures/" in path or i % 50 == 0:
                            with open(os.path.join(seeds, f"r{n}"), "w") as o:
                                o.write(line)
                            n += 1
    elif target == "config":
        with open(os.path.join(ROOT, "signatures", "firewall", "default-policy.yaml"), "rb") as f:
            samples = [f.read()]
        samples.append(b"vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n"
                       b"flow:\n  max-flows: 4096\n  timeouts: { new: 30, established: 300 }\n"
                       b"detect:\n  inspection-depth: 512kb\n  max-alerts-per-packet: 5\n"
                       b"dataplane:\n  workers: 2\n  distribution: software\n"
                       b"  failure-mode: fail-closed\n  watchdog-timeout-ms: 200\n")
        for data in samples:
            with open(os.path.join(seeds, f"c{n}"), "wb") as o:
                o.write(data)
            n += 1
    elif target in ("decode", "inline_frame"):
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import build_capture
        pdir = os.path.join(shared, "pcaps", "ndpi")
        names = sorted(os.listdir(pdir))[::25] if os.path.isdir(pdir) else []
        for name in names:
            with open(os.path.join(pdir, name), "rb") as f:
                data = f.read()
            reader = build_capture.read_pcapng if data[:4] == b"\x0a\x0d\x0d\x0a" else build_capture.read_pcap
            for k, (lt, _ts, frame) in enumerate(reader(name, data)):
                if k >= 20:
                    break
                eth = build_capture.to_ethernet(lt, frame)
                if eth:
                    with open(os.path.join(seeds, f"p{n}"), "wb") as o:
                        o.write(b"\x00" + eth if target == "decode" else eth)
                    n += 1
    return seeds


def run_fuzz(build, tally, seconds):
    fuzz_dir = os.path.join(build, "tests", "fuzz")
    if not os.path.isdir(fuzz_dir):
        print("  fuzz: not built (configure with -Dfuzz=true), skipped")
        return
    for name in sorted(os.listdir(fuzz_dir)):
        exe = os.path.join(fuzz_dir, name)
        if not (name.startswith("fuzz_") and os.access(exe, os.X_OK) and os.path.isfile(exe)):
            continue
        corpus = os.path.join(build, "fuzz-corpus", name)
        os.makedirs(corpus, exist_ok=True)
        seeds = make_seeds(build, name[len("fuzz_"):])
        args = [exe, f"-max_total_time={seconds}", "-rss_limit_mb=4096", "-print_final_stats=0", corpus]
        if os.path.isdir(seeds):
            args.append(seeds)
        p = subprocess.run(args, capture_output=True, text=True, env=env_with({"ASAN_OPTIONS": "detect_leaks=1"}))
        if p.returncode == 0:
            tally.add("fuzz", name, "pass")
        else:
            tally.add("fuzz", name, "fail", "\n".join(p.stderr.splitlines()[-25:]))
        print(f"  fuzz {name}: exit {p.returncode} after {seconds}s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    ap.add_argument("--suite", default="unit,e2e,compat,fuzz")
    ap.add_argument("--fuzz-seconds", type=int, default=30)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    tally = Tally()
    suites = a.suite.split(",")
    t0 = time.time()
    for s in suites:
        print(f"== {s}", flush=True)
        if s == "unit":
            run_unit(build, tally)
        elif s == "e2e":
            run_e2e(build, tally)
        elif s == "compat":
            run_compat(build, tally)
        elif s == "fuzz":
            run_fuzz(build, tally, a.fuzz_seconds)
    if tally.failures:
        print("\nFailed cases:")
        for f in tally.failures:
            print("  " + f)
    print(f"\n(test suite took {time.time() - t0:.0f}s)")
    line = f"{tally.passed} passed, {tally.failed} failed"
    if tally.skipped:
        line += f", {tally.skipped} skipped"
    print(line)
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()

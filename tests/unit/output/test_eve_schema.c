/*
 * unit_output_schema: every kind of line the formatter writes validates
 * against Suricata's EVE schema (../shared/data/eve/schema.json), so tools
 * built for Suricata read Rampart's output unchanged.
 *
 * Needs the shared data and /usr/bin/python3 with python3-jsonschema; skips
 * with a message when either is missing (a fresh clone has no ../shared).
 * argv[1]: path of schema.json.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/engine/output/eve_format.h"
#include "output_fixtures.h"

static const char *schema_path;

/* Exit 77: validator unavailable (skip). Exit 1: some line is invalid. */
static const char validator[] =
	"import json, sys\n"
	"try:\n"
	"    import jsonschema\n"
	"except ImportError:\n"
	"    sys.exit(77)\n"
	"schema = json.load(open(sys.argv[1]))\n"
	"v = jsonschema.Draft202012Validator(schema)\n"
	"bad = 0\n"
	"for n, line in enumerate(open(sys.argv[2]), 1):\n"
	"    for e in v.iter_errors(json.loads(line)):\n"
	"        bad += 1\n"
	"        print('line %d: %s' % (n, e.message))\n"
	"sys.exit(1 if bad else 0)\n";

static size_t build_samples(struct alert_record *recs, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < FIXTURE_RULES && n < max; i++)
		recs[n++] = fixture_record((enum fixture_rule)i);

	struct alert_record r = fixture_record(RULE_TCP);
	r.ip_proto = 1;
	r.icmp_type = 3;
	r.icmp_code = 1;
	recs[n++] = r;
	r = fixture_record(RULE_TCP);
	r.vlan_count = 2;
	r.vlan_id[0] = 10;
	r.vlan_id[1] = 20;
	recs[n++] = r;
	r = fixture_record(RULE_TARGET);
	r.kind = ALERT_RECORD_DROP;
	r.blocked = 1;
	recs[n++] = r;
	r = fixture_record(RULE_METADATA);
	r.l3 = L3_IPV6;
	r.ip_proto = 58;
	r.src.u8[0] = 0x20;
	r.src.u8[15] = 1;
	recs[n++] = r;
	r = fixture_record(RULE_PLAIN);
	r.l3 = L3_NONE;
	recs[n++] = r;
	r = fixture_record(RULE_TCP);
	r.ip_proto = 200;
	r.flow_id = UINT64_MAX;
	r.to_server = 0;
	recs[n++] = r;
	/* logged firewall decisions: blocked (drop), allowed, IDS-mode deny */
	recs[n++] = fixture_firewall_record(ALERT_FW_DENY, "block-smb", 1);
	recs[n++] = fixture_firewall_record(ALERT_FW_REJECT, "no-telnet", 1);
	recs[n++] = fixture_firewall_record(ALERT_FW_ALLOW, "web", 0);
	r = fixture_firewall_record(ALERT_FW_DENY, NULL, 0);
	r.l3 = L3_IPV6;
	r.ip_proto = 58;
	r.src.u8[0] = 0x20;
	recs[n++] = r;
	return n;
}

static void test_lines_validate_against_schema(void **state)
{
	(void)state;
	if (schema_path == NULL || access(schema_path, R_OK) != 0) {
		print_message("schema not found (%s): ../shared is absent, skipping\n",
			      schema_path ? schema_path : "no path given");
		skip();
		return;
	}
	if (access("/usr/bin/python3", X_OK) != 0) {
		print_message("/usr/bin/python3 not found, skipping\n");
		skip();
		return;
	}

	char lines_path[] = "/tmp/rampart_eve_schema_XXXXXX";
	int fd = mkstemp(lines_path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	struct alert_record recs[32];
	size_t n = build_samples(recs, 32);
	char buf[4096];
	for (size_t i = 0; i < n; i++) {
		struct eve_format_options opts = { .ipv6_compress = (i & 1) != 0 };
		assert_true(eve_format_record(&recs[i], &opts, buf, sizeof(buf)) > 0);
		fprintf(f, "%s\n", buf);
	}
	fclose(f);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/usr/bin/python3", "python3", "-c", validator, schema_path, lines_path,
		      (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(lines_path);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("python3-jsonschema not installed, skipping\n");
		skip();
		return;
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
	use_time_zone("Europe/Berlin");
	schema_path = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_validate_against_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

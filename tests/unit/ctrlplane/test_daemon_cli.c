/*
 * test_daemon_cli.c - rampartd + rampartctl end to end, no data plane:
 * status, changes and their audit lines, a refused rule set, credential
 * refusal, config errors, SIGTERM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_daemon_harness.h"

static char out[1 << 16], err[1 << 16], buf[1 << 16];

static int setup(void **state)
{
	struct daemon_run *r = calloc(1, sizeof(*r));

	if (!r || harness_prepare(r, NULL) != 0 || harness_start(r) != 0) {
		fprintf(stderr, "rampartd did not start (RAMPARTD=%s)\n", getenv("RAMPARTD"));
		if (r)
			harness_stop(r);
		free(r);
		return -1;
	}
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct daemon_run *r = *state;
	int rc = harness_stop(r);

	free(r);
	/* SIGTERM is a clean exit */
	return rc == 0 ? 0 : -1;
}

static void test_status_reports_rules_and_policy(void **state)
{
	struct daemon_run *r = *state;

	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "rules: generation 1, 2 rules"));
	assert_non_null(strstr(out, "policy: version 1"));
	assert_non_null(strstr(out, "dataplanes: 0 attached"));
	/* --json prints the data object */
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "--json", "status", NULL), 0);
	assert_non_null(strstr(out, "\"policy_version\": 1"));
	assert_non_null(strstr(out, "\"generation\": 1"));
	/* socket mode 0660 */
	struct stat st;

	assert_int_equal(stat(r->sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
}

static void test_changes_are_audited(void **state)
{
	struct daemon_run *r = *state;

	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err),
				     "rules", "disable", "--sid", "9100001", NULL), 0);
	assert_non_null(strstr(out, "1 enabled, 1 disabled"));
	assert_non_null(strstr(out, "generation 2 committed"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "rules", "list-disabled", NULL), 0);
	assert_non_null(strstr(out, "1:9100001"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err),
				     "policy", "add", "--name", "deny-x", "--action", "deny", "--dst", "10.9.9.9",
				     "--position", "1", NULL), 0);
	assert_non_null(strstr(out, "policy version 2"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "policy", "list", NULL), 0);
	assert_non_null(strstr(out, "  1 deny-x"));
	/* rollback with no version = the previous one, as a new version */
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "policy", "rollback", NULL), 0);
	assert_non_null(strstr(out, "policy version 3"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "policy", "list", NULL), 0);
	assert_null(strstr(out, "deny-x"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "policy", "history", NULL), 0);
	assert_non_null(strstr(out, "v3 "));
	assert_non_null(strstr(out, "(current)"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "policy", "rollback", "2", NULL), 0);
	assert_non_null(strstr(out, "policy version 4"));
	/* a bad edit: refused, exit 1, audited as refused, version unchanged */
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err),
				     "policy", "remove", "no-such-rule", NULL), 1);
	assert_non_null(strstr(err, "no-such-rule"));
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "policy: version 4"));
	/* read-only commands are not audited; changes are, with our uid */
	assert_true(harness_wait_for(r->audit, "\"command\":\"policy remove no-such-rule\",\"result\":\"refused: ", 2000));
	harness_read_file(r->audit, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"uid\":0,"));
	assert_non_null(strstr(buf, "\"command\":\"rules disable --sid 9100001\",\"result\":\"ok\""));
	assert_non_null(strstr(buf, "\"command\":\"policy add --name deny-x --action deny --dst 10.9.9.9 --position 1\",\"result\":\"ok\""));
	assert_null(strstr(buf, "\"command\":\"status\""));
	assert_null(strstr(buf, "list-disabled"));
}

static void test_usage_and_unknown_command_exit_2(void **state)
{
	struct daemon_run *r = *state;
	struct daemon_run nowhere = *r;

	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "frobnicate", NULL), 2);
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "rules", "disable", "--sid", NULL), 2);
	snprintf(nowhere.sock, sizeof(nowhere.sock), "%s/none.sock", r->dir);
	assert_int_equal(harness_ctl(&nowhere, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 2);
}

static void test_broken_rule_set_is_refused_and_old_kept(void **state)
{
	struct daemon_run *r = *state;
	FILE *f = fopen(r->rules, "w");

	assert_non_null(f);
	fputs("alert tcp any any -> any any (msg:\"broken\"; content:; sid:1;)\n", f);
	fclose(f);
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "rules", "reload", NULL), 1);
	assert_true(strlen(err) > 0);
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "rules: generation 1, 2 rules"));
	assert_true(harness_wait_for(r->audit, "\"command\":\"rules reload\",\"result\":\"refused: ", 2000));
}

static void test_unprivileged_caller_refused_and_audited(void **state)
{
	struct daemon_run *r = *state;

	if (geteuid() != 0) {
		skip();
		return;
	}
	/* the file mode is the first gate; open it to see the daemon's own check */
	assert_int_equal(chmod(r->sock, 0666), 0);
	char parent[300];

	snprintf(parent, sizeof(parent), "%s/run", r->dir);
	assert_int_equal(chmod(parent, 0755), 0);
	assert_int_equal(harness_ctl(r, 65534, out, sizeof(out), err, sizeof(err), "rules", "reload", NULL), 1);
	assert_non_null(strstr(err, "permission denied: uid 65534"));
	assert_true(harness_wait_for(r->audit, "\"uid\":65534,", 2000));
	harness_read_file(r->audit, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"command\":\"rules reload\",\"result\":\"refused: permission denied: uid 65534"));
	/* and nothing changed */
	assert_int_equal(harness_ctl(r, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "rules: generation 1,"));
}

static void write_config(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A member of socket-group may use the daemon through the file's group
 * permission alone (nobody's primary group is nogroup). */
static void test_socket_group_member_allowed(void **state)
{
	struct daemon_run r;
	struct stat st;
	FILE *f;

	(void)state;
	if (geteuid() != 0 || harness_read_file("/etc/group", buf, sizeof(buf)) < 0 || !strstr(buf, "\nnogroup:")) {
		skip();
		return;
	}
	assert_int_equal(harness_prepare(&r, NULL), 0);
	harness_read_file(r.cfg, buf, sizeof(buf));
	f = fopen(r.cfg, "w");
	assert_non_null(f);
	fprintf(f, "rampartd:\n  socket-group: nogroup\n%s", buf + strlen("rampartd:\n"));
	fclose(f);
	assert_int_equal(harness_start(&r), 0);
	assert_int_equal(stat(r.sock, &st), 0);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(harness_ctl(&r, 65534, out, sizeof(out), err, sizeof(err), "rules", "reload", NULL), 0);
	assert_non_null(strstr(out, "generation 2 committed"));
	assert_true(harness_wait_for(r.audit, "\"uid\":65534,", 2000));
	harness_read_file(r.audit, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"command\":\"rules reload\",\"result\":\"ok\""));
	assert_int_equal(harness_stop(&r), 0);
}

static void test_bad_config_names_file_line_key(void **state)
{
	struct daemon_run r;

	(void)state;
	assert_int_equal(harness_prepare(&r, NULL), 0);
	/* the daemon's own section */
	write_config(r.cfg, "rampartd:\n  socket: /tmp/x.sock\n  sockett-group: wheel\n");
	assert_int_equal(harness_run_daemon_once(r.cfg, err, sizeof(err)), 2);
	snprintf(buf, sizeof(buf), "%s:3: rampartd.sockett-group: unknown key\n", r.cfg);
	assert_string_equal(err, buf); /* exactly one line */
	/* a section parsed by its module (metrics) */
	write_config(r.cfg, "rampartd:\n  socket: /tmp/x.sock\nmetrics:\n  enabled: yes\n  lisen: 127.0.0.1:1\n");
	assert_int_equal(harness_run_daemon_once(r.cfg, err, sizeof(err)), 2);
	snprintf(buf, sizeof(buf), "%s:5: metrics.lisen", r.cfg);
	assert_non_null(strstr(err, buf));
	/* rule keys */
	write_config(r.cfg, "default-rule-path: /tmp\nrule-files:\n  - a.rules\n  - [b]\n");
	assert_int_equal(harness_run_daemon_once(r.cfg, err, sizeof(err)), 2);
	snprintf(buf, sizeof(buf), "%s:4: rule-files: ", r.cfg);
	assert_non_null(strstr(err, buf));
	/* an engine section's error comes through the same way */
	write_config(r.cfg, "flow:\n  max-flows: lots\n");
	assert_int_equal(harness_run_daemon_once(r.cfg, err, sizeof(err)), 2);
	snprintf(buf, sizeof(buf), "%s:2: ", r.cfg);
	assert_non_null(strstr(err, buf));
	assert_non_null(strstr(err, "flow.max-flows"));
	/* no such file */
	assert_int_equal(harness_run_daemon_once("/nonexistent/rampart.yaml", err, sizeof(err)), 2);
	assert_non_null(strstr(err, "/nonexistent/rampart.yaml"));
	harness_stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_reports_rules_and_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_are_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_and_unknown_command_exit_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_rule_set_is_refused_and_old_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_caller_refused_and_audited, setup, teardown),
		cmocka_unit_test(test_socket_group_member_allowed),
		cmocka_unit_test(test_bad_config_names_file_line_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * geoip_test_db.h - writes a small mmdb with known answers at test time
 * (Debian's libmaxmind-db-writer-perl), shared by the geoip, keyword and
 * firewall tests:
 *   10.66.0.0/16       {country_code: KP}
 *   10.68.0.0/17       {country_code: KP}   } two halves: expansion merges
 *   10.68.128.0/17     {country_code: KP}   } them into 10.68.0.0/16
 *   10.67.0.0/16       {country_code: KR}
 *   192.168.77.0/24    {country: {iso_code: ZZ}}   (GeoLite2 layout)
 *   2001:db8:66::/48   {country_code: KP}
 *   2001:db8:77::/48   {city: x}           (a record without a country)
 * IPv4 is aliased into ::ffff:0:0/96 and 2002::/16 as real databases are.
 */
#ifndef RAMPART_GEOIP_TEST_DB_H
#define RAMPART_GEOIP_TEST_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char geoip_test_writer[] =
	"use strict; use MaxMind::DB::Writer::Tree;\n"
	"my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24,\n"
	"  database_type => 'Rampart-Test', languages => ['en'], description => {en => 'test'},\n"
	"  remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1,\n"
	"  map_key_type_callback => sub { $_[0] eq 'country' ? 'map' : 'utf8_string' });\n"
	"$t->insert_network('10.66.0.0/16', {country_code => 'KP'});\n"
	"$t->insert_network('10.68.0.0/17', {country_code => 'KP'});\n"
	"$t->insert_network('10.68.128.0/17', {country_code => 'KP'});\n"
	"$t->insert_network('10.67.0.0/16', {country_code => 'KR'});\n"
	"$t->insert_network('192.168.77.0/24', {country => {iso_code => 'ZZ'}});\n"
	"$t->insert_network('2001:db8:66::/48', {country_code => 'KP'});\n"
	"$t->insert_network('2001:db8:77::/48', {city => 'x'});\n"
	"open my $fh, '>:raw', $ARGV[0] or die; $t->write_tree($fh); close $fh;\n";

/* Writes the database into a fresh temp dir; path in out (>= 256 bytes).
 * 0, or -1 (perl or the writer module missing). */
static inline int geoip_test_db_write(char *out, size_t outlen)
{
	char dir[] = "/tmp/rampart-geoip-XXXXXX", script[300], cmd[700];
	if (!mkdtemp(dir))
		return -1;
	snprintf(script, sizeof(script), "%s/write.pl", dir);
	snprintf(out, outlen, "%s/test.mmdb", dir);
	FILE *f = fopen(script, "w");
	if (!f)
		return -1;
	fputs(geoip_test_writer, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "perl '%s' '%s'", script, out);
	int rc = system(cmd);
	unlink(script);
	return rc == 0 && access(out, R_OK) == 0 ? 0 : -1;
}

/* Removes the database and its temp dir. */
static inline void geoip_test_db_remove(const char *path)
{
	char dir[300];
	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		rmdir(dir);
	}
}

#endif /* RAMPART_GEOIP_TEST_DB_H */

/*
 * rule.h - the rule intermediate representation (IR).
 *
 * Contract: signatures/parser turns Suricata / Snort 2.9 rule text into a
 * struct sig_ruleset; signatures/compiler and dataplane/engine/detect read it
 * and never change it. Every pointer in a rule is owned by the rule set and
 * freed by sig_ruleset_free(). Variables ($HOME_NET, $HTTP_PORTS, ...) are
 * already resolved: address and port sets here are concrete.
 *
 * A rule whose every keyword the engine implements is SIG_ACTIVE. A rule that
 * parsed fully but uses a keyword whose engine support is not built yet is
 * SIG_INACTIVE with `inactive_reason` ("needs http.uri"): it is loaded and
 * reported, never half-evaluated. A rule that does not parse is never in a
 * rule set: it is reported as a sig_load_error and counted as rejected.
 *
 * Thread rules: built on one thread (the loader); read-only afterwards and
 * shareable between workers.
 */
#ifndef RAMPART_SIG_RULE_H
#define RAMPART_SIG_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/packet.h" /* struct ip_addr */

enum sig_action { SIG_ACTION_ALERT = 0, SIG_ACTION_DROP, SIG_ACTION_REJECT, SIG_ACTION_PASS };

/* Header protocol. App-layer protocols parse now; their engine comes later. */
enum sig_proto {
	SIG_PROTO_IP = 0, /* any IP packet */
	SIG_PROTO_TCP,
	SIG_PROTO_UDP,
	SIG_PROTO_ICMP,   /* ICMPv4 and ICMPv6, like Suricata */
	SIG_PROTO_HTTP,   /* app-layer: tcp + http */
	SIG_PROTO_TLS,
	SIG_PROTO_DNS,    /* udp or tcp */
	SIG_PROTO_OTHER,  /* any other app-layer name (smb, ftp, ...): inactive */
};

/* One CIDR block. family 4 or 6; prefix in bits. */
struct sig_cidr {
	struct ip_addr addr;  /* network address, host bits cleared */
	uint8_t family;       /* 4 or 6 */
	uint8_t prefix;
};

/*
 * A resolved address set: matches when the address is inside some `include`
 * block (or `include` is empty and `any` is set) and inside no `exclude` block.
 * Nested negations such as [10.0.0.0/8,!10.1.0.0/16] resolve to this form.
 */
struct sig_addr_set {
	bool any;                 /* "any" (possibly minus excludes) */
	struct sig_cidr *include;
	size_t n_include;
	struct sig_cidr *exclude;
	size_t n_exclude;
};

struct sig_port_range { uint16_t lo, hi; }; /* inclusive */

/* Resolved port set, same semantics as sig_addr_set. */
struct sig_port_set {
	bool any;
	struct sig_port_range *include;
	size_t n_include;
	struct sig_port_range *exclude;
	size_t n_exclude;
};

/*
 * The buffer a payload keyword inspects. SIG_BUF_PAYLOAD is the packet (later:
 * stream) payload; the others are app-layer sticky buffers, set either by a
 * Suricata 5+ sticky buffer keyword (`http.uri;` before the contents) or by a
 * Snort 2.9 modifier after a content (`http_uri;`). Rules using any buffer
 * other than SIG_BUF_PAYLOAD are inactive until the app-layer issue lands.
 */
enum sig_buffer {
	SIG_BUF_PAYLOAD = 0,
	SIG_BUF_HTTP_URI, SIG_BUF_HTTP_URI_RAW, SIG_BUF_HTTP_METHOD, SIG_BUF_HTTP_HOST,
	SIG_BUF_HTTP_HOST_RAW, SIG_BUF_HTTP_USER_AGENT, SIG_BUF_HTTP_HEADER,
	SIG_BUF_HTTP_HEADER_RAW, SIG_BUF_HTTP_HEADER_NAMES, SIG_BUF_HTTP_COOKIE,
	SIG_BUF_HTTP_CONTENT_TYPE, SIG_BUF_HTTP_CONTENT_LEN, SIG_BUF_HTTP_STAT_CODE,
	SIG_BUF_HTTP_STAT_MSG, SIG_BUF_HTTP_REQUEST_LINE, SIG_BUF_HTTP_RESPONSE_LINE,
	SIG_BUF_HTTP_REQUEST_BODY, SIG_BUF_HTTP_RESPONSE_BODY /* also file.data */,
	SIG_BUF_HTTP_PROTOCOL, SIG_BUF_HTTP_ACCEPT, SIG_BUF_HTTP_REFERER,
	SIG_BUF_HTTP_START, SIG_BUF_HTTP_CONNECTION, SIG_BUF_HTTP_ACCEPT_ENC,
	SIG_BUF_HTTP_ACCEPT_LANG, SIG_BUF_HTTP_LOCATION, SIG_BUF_HTTP_SERVER,
	SIG_BUF_TLS_SNI, SIG_BUF_TLS_CERT_SUBJECT, SIG_BUF_TLS_CERT_ISSUER,
	SIG_BUF_TLS_CERT_SERIAL, SIG_BUF_TLS_CERT_FINGERPRINT,
	SIG_BUF_JA3_HASH, SIG_BUF_JA3_STRING, SIG_BUF_JA3S_HASH, SIG_BUF_JA3S_STRING,
	SIG_BUF_DNS_QUERY,
	SIG_BUF_OTHER, /* any other sticky buffer the parser knows by name */
	SIG_BUF__COUNT
};

/* Transforms applied to a sticky buffer before matching (bit set). */
#define SIG_XFORM_DOTPREFIX        0x01u
#define SIG_XFORM_TO_LOWER         0x02u
#define SIG_XFORM_STRIP_WHITESPACE 0x04u
#define SIG_XFORM_URL_DECODE       0x08u
#define SIG_XFORM_COMPRESS_WS      0x10u
#define SIG_XFORM_OTHER            0x80u /* unknown transform: rule inactive */

/*
 * A numeric operand that is either a literal or a byte_extract variable.
 * var_index >= 0 names the rule's byte_extract variable by its index in
 * sig_rule.vars; the literal is then unused.
 */
struct sig_value {
	int64_t literal;
	int16_t var_index; /* -1: literal */
};

#define SIG_CONTENT_NOCASE      0x0001u
#define SIG_CONTENT_NEGATED     0x0002u
#define SIG_CONTENT_RAWBYTES    0x0004u
#define SIG_CONTENT_STARTSWITH  0x0008u /* == depth:len, offset:0 */
#define SIG_CONTENT_ENDSWITH    0x0010u /* must end at the buffer's end */
#define SIG_CONTENT_FAST_PATTERN 0x0020u /* explicit fast_pattern */
#define SIG_CONTENT_FP_ONLY     0x0040u /* fast_pattern:only */
#define SIG_CONTENT_FP_CHOP     0x0080u /* fast_pattern:offset,length */
#define SIG_CONTENT_HAS_OFFSET  0x0100u
#define SIG_CONTENT_HAS_DEPTH   0x0200u
#define SIG_CONTENT_HAS_DISTANCE 0x0400u /* relative to previous match in the buffer */
#define SIG_CONTENT_HAS_WITHIN  0x0800u  /* relative to previous match in the buffer */

struct sig_content {
	uint8_t *bytes;       /* decoded pattern (|hex| and escapes resolved) */
	uint32_t len;
	uint32_t flags;       /* SIG_CONTENT_* */
	struct sig_value offset, depth, distance, within;
	uint16_t fp_chop_offset, fp_chop_len; /* with SIG_CONTENT_FP_CHOP */
};

#define SIG_PCRE_RELATIVE 0x0001u /* R: match after the previous match */
#define SIG_PCRE_NEGATED  0x0002u
#define SIG_PCRE_RAWBYTES 0x0004u /* B */
/* Flags of pcre2_compile (i, s, m, x, A, E, G) go in pcre2_options. */

struct sig_pcre {
	char *pattern;           /* the regex between the slashes */
	uint32_t pcre2_options;  /* PCRE2_CASELESS | PCRE2_DOTALL | ... */
	uint32_t flags;          /* SIG_PCRE_* */
};

/* byte_test / byte_jump / byte_extract shared option bits. */
#define SIG_BYTE_RELATIVE   0x0001u
#define SIG_BYTE_BIG        0x0002u /* default */
#define SIG_BYTE_LITTLE     0x0004u
#define SIG_BYTE_STRING     0x0008u
#define SIG_BYTE_HEX        0x0010u
#define SIG_BYTE_DEC        0x0020u
#define SIG_BYTE_OCT        0x0040u
#define SIG_BYTE_ALIGN      0x0080u /* byte_jump align / byte_extract align via `align` value */
#define SIG_BYTE_FROM_BEGINNING 0x0100u /* byte_jump */
#define SIG_BYTE_FROM_END   0x0200u     /* byte_jump */
#define SIG_BYTE_DCE        0x0400u     /* dce: inactive */
#define SIG_BYTE_NEGATE_OP  0x0800u     /* byte_test !op */
#define SIG_BYTE_BITMASK    0x1000u
#define SIG_BYTE_POST_OFFSET 0x2000u    /* byte_jump post_offset */

enum sig_byte_op { SIG_OP_LT, SIG_OP_GT, SIG_OP_LE, SIG_OP_GE, SIG_OP_EQ, SIG_OP_AND, SIG_OP_OR };

struct sig_byte {
	uint8_t nbytes;             /* bytes to convert */
	uint32_t flags;             /* SIG_BYTE_* */
	struct sig_value offset;
	/* byte_test */
	uint8_t op;                 /* enum sig_byte_op */
	struct sig_value value;
	/* byte_jump / byte_extract */
	int32_t multiplier;         /* default 1 */
	int32_t post_offset;        /* byte_jump */
	uint8_t align;              /* byte_extract: 0, 2 or 4; byte_jump align: 4 */
	uint64_t bitmask;           /* with SIG_BYTE_BITMASK */
	int16_t var_index;          /* byte_extract: variable it writes */
};

/* isdataat:[!]N[,relative] */
struct sig_isdataat {
	struct sig_value offset;
	bool relative, negated, rawbytes;
};

/* Comparison used by dsize, ttl, itype, icode, urilen, bsize: N, <N, >N, N<>M, !N. */
enum sig_cmp { SIG_CMP_EQ, SIG_CMP_LT, SIG_CMP_GT, SIG_CMP_LE, SIG_CMP_GE, SIG_CMP_RANGE, SIG_CMP_NE };
struct sig_numcmp {
	uint8_t cmp;       /* enum sig_cmp; RANGE is exclusive lo < x < hi like Suricata */
	int64_t lo, hi;    /* EQ/LT/GT/...: lo; RANGE: lo, hi */
};

/* flags:[modifier]FLAGS[,mask] */
struct sig_tcp_flags {
	uint8_t flags;     /* bits that must be set (TCP_FLAG_*) */
	uint8_t mask;      /* bits ignored */
	uint8_t mode;      /* '=' exact (default), '+' all of these plus any, '*' any of, '!' none of */
	bool    no_flags;  /* "0": no flags set */
};

/* flow: option bits */
#define SIG_FLOW_ESTABLISHED     0x0001u
#define SIG_FLOW_NOT_ESTABLISHED 0x0002u
#define SIG_FLOW_STATELESS       0x0004u
#define SIG_FLOW_TO_SERVER       0x0008u /* also from_client */
#define SIG_FLOW_TO_CLIENT       0x0010u /* also from_server */
#define SIG_FLOW_ONLY_STREAM     0x0020u
#define SIG_FLOW_NO_STREAM       0x0040u
#define SIG_FLOW_ONLY_FRAG       0x0080u
#define SIG_FLOW_NO_FRAG         0x0100u

enum sig_flowbits_cmd {
	SIG_FLOWBITS_SET, SIG_FLOWBITS_ISSET, SIG_FLOWBITS_ISNOTSET,
	SIG_FLOWBITS_UNSET, SIG_FLOWBITS_TOGGLE, SIG_FLOWBITS_NOALERT
};

/* flowbits:cmd,name[|name|name] or name&name. The set's names are interned:
 * bit indexes run 0 .. sig_ruleset.n_flowbits-1. */
struct sig_flowbits {
	uint8_t cmd;         /* enum sig_flowbits_cmd */
	bool    any_of;      /* names joined by '|' (isset: any one set) else all ('&' or single) */
	uint16_t *bits;
	uint16_t n_bits;
};

enum sig_track { SIG_TRACK_BY_SRC, SIG_TRACK_BY_DST, SIG_TRACK_BY_RULE, SIG_TRACK_BY_BOTH };
enum sig_threshold_type { SIG_THRESH_LIMIT, SIG_THRESH_THRESHOLD, SIG_THRESH_BOTH,
			  SIG_THRESH_DETECTION_FILTER };

struct sig_threshold {
	uint8_t type;      /* enum sig_threshold_type */
	uint8_t track;     /* enum sig_track */
	uint32_t count;
	uint32_t seconds;
};

/*
 * A compiled suppress list (threshold.config `suppress`, see sig_parser.h).
 * Address ranges are sorted, disjoint, inclusive, as 128-bit keys: IPv4 is
 * {0, address} in host order, IPv6 {first 8 bytes, last 8 bytes} big-endian.
 * A match on a rule with such a list alerts only when `all` is false, its
 * source is in no `src` range and its destination in no `dst` range
 * (by_either entries are in both). Owned by the rule set.
 */
struct sig_ip_key { uint64_t hi, lo; };
struct sig_ip_span { struct sig_ip_key first, last; };
struct sig_ip_spans {
	struct sig_ip_span *v4, *v6;
	uint32_t n4, n6;
};
struct sig_suppress {
	bool all;                /* suppress without track: the rule never alerts */
	struct sig_ip_spans src; /* track by_src and by_either */
	struct sig_ip_spans dst; /* track by_dst and by_either */
};

/*
 * geoip / iprep: which addresses of the packet are checked, and the compiled
 * set they are checked against (an ip_intervals table owned by the match,
 * freed by sig_ipmatch_clear). SRC / DST: that address; BOTH: both must be
 * in the set; ANY: either. negated (geoip "!CC"): an address matches when it
 * is NOT in the set.
 */
enum sig_ip_side { SIG_IPSIDE_SRC, SIG_IPSIDE_DST, SIG_IPSIDE_BOTH, SIG_IPSIDE_ANY };
struct ip_intervals;
struct sig_ipmatch {
	uint8_t side;                    /* enum sig_ip_side */
	bool negated;
	struct ip_intervals *set;        /* NULL only in an inactive rule */
};

/* One keyword of a rule's body, in rule order. */
enum sig_match_kind {
	SIG_M_CONTENT, SIG_M_PCRE, SIG_M_ISDATAAT, SIG_M_BYTE_TEST, SIG_M_BYTE_JUMP,
	SIG_M_BYTE_EXTRACT, SIG_M_DSIZE, SIG_M_FLAGS, SIG_M_TTL, SIG_M_ITYPE, SIG_M_ICODE,
	SIG_M_IP_PROTO, SIG_M_SAMEIP, SIG_M_FLOWBITS, SIG_M_URILEN, SIG_M_BSIZE,
	SIG_M_ICMP_ID, SIG_M_ICMP_SEQ, SIG_M_ACK, SIG_M_SEQ, SIG_M_WINDOW,
	SIG_M_FRAGBITS, SIG_M_FRAGOFFSET, SIG_M_ID, SIG_M_TOS, SIG_M_IPOPTS,
	SIG_M_APP_LAYER_PROTOCOL,
	SIG_M_GEOIP, SIG_M_IPREP, /* u.ipmatch: compiled at load time (sig_kw_rep.c) */
	SIG_M_OTHER, /* a known keyword with no engine yet (see sig_match.keyword) */
};

struct sig_match {
	uint8_t kind;          /* enum sig_match_kind */
	uint8_t buffer;        /* enum sig_buffer the keyword inspects */
	uint8_t transforms;    /* SIG_XFORM_* on that buffer */
	const char *keyword;   /* keyword name as written (static string or owned) */
	union {
		struct sig_content content;
		struct sig_pcre pcre;
		struct sig_isdataat isdataat;
		struct sig_byte byte;         /* byte_test, byte_jump, byte_extract */
		struct sig_numcmp num;        /* dsize, ttl, itype, icode, urilen, bsize, ... */
		struct sig_tcp_flags tcp_flags;
		struct sig_flowbits flowbits;
		struct { uint8_t proto; bool negated; int8_t cmp; } ip_proto; /* cmp: '=' '<' '>' */
		struct { char *value; } other; /* raw argument text of SIG_M_OTHER */
		struct sig_ipmatch ipmatch;   /* geoip, iprep */
	} u;
};

struct sig_reference { char *type; char *value; };

struct sig_rule {
	/* header */
	uint8_t action;            /* enum sig_action */
	uint8_t proto;             /* enum sig_proto */
	char   *proto_name;        /* as written ("tcp", "http", "smb") */
	bool    bidirectional;     /* "<>" */
	struct sig_addr_set src, dst;
	struct sig_port_set sport, dport;

	/* meta */
	uint32_t sid, rev, gid;    /* gid defaults to 1, rev to 0 */
	char   *msg;
	char   *classtype;         /* NULL if none */
	char   *class_description; /* from classification.config, NULL if none */
	uint8_t priority;          /* priority keyword, else classtype's, else 3 */
	struct sig_reference *references; size_t n_references;
	char  **metadata; size_t n_metadata; /* "key value" strings as written */
	char   *target;            /* "src_ip"/"dest_ip" or NULL */

	/* body */
	struct sig_match *matches; size_t n_matches; /* rule order */
	uint32_t flow;             /* SIG_FLOW_* */
	bool     has_threshold;
	struct sig_threshold threshold;    /* threshold: or detection_filter: */
	bool     has_detection_filter;
	struct sig_threshold detection_filter;
	bool     noalert;          /* flowbits:noalert */
	const struct sig_suppress *suppress; /* threshold.config suppress; NULL: none (owned by the set) */
	char   **vars; size_t n_vars; /* byte_extract variable names, by var_index */

	/* state */
	bool    active;            /* false: see inactive_reason */
	char   *inactive_reason;   /* "needs http.uri", "needs app-layer protocol smb" */
	char   *text;              /* the full rule text as read (for reports) */
	char   *file;              /* source file path */
	uint32_t line;             /* 1-based line of the rule's first line */
};

/* A rule that could not be loaded: file, line, keyword and reason. */
struct sig_load_error {
	char *file;
	uint32_t line;
	char *keyword;             /* offending keyword, or "header", or NULL */
	char *reason;
};

struct sig_ruleset {
	struct sig_rule *rules; size_t n_rules;      /* active and inactive, load order */
	struct sig_load_error *errors; size_t n_errors; /* rejected rules */
	char  **flowbit_names; size_t n_flowbits;     /* interned flowbit names */
	size_t n_read;       /* rule lines read (rules attempted, comments excluded) */
	size_t n_active;
	double load_seconds;
	/* threshold.config (sig_threshold_config_apply) */
	struct sig_load_error *threshold_errors; size_t n_threshold_errors; /* entries refused */
	size_t n_threshold_applied;                  /* entries applied */
	struct sig_suppress **suppress_lists; size_t n_suppress_lists; /* what rules' suppress point to */
};

#endif /* RAMPART_SIG_RULE_H */

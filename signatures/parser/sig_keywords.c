/*
 * sig_keywords.c - the keyword table: every rule keyword the parser knows,
 * and what it does with it.
 *
 * Three kinds of entries:
 *  - keywords with an engine (content, pcre, flow, ...): parsed into the IR;
 *  - keywords whose engine comes later (app-layer buffers and keywords, lua,
 *    dataset, ...): parsed (syntax checked where simple) and the rule made
 *    inactive with "needs <feature>";
 *  - anything else is unknown: the rule is rejected, as Suricata does.
 * Looked up by binary search over a copy sorted once at first use.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

#define STICKY(n, b, feat) { n, sig_kw_sticky_buffer, KW_ARG_NONE, b, feat }
#define MODIFIER(n, b, feat) { n, sig_kw_buffer_modifier, KW_ARG_NONE, b, feat }
#define LATER(n) { n, sig_kw_later, KW_ARG_OPTIONAL, 0, NULL }
#define LATER_AS(n, feat) { n, sig_kw_later, KW_ARG_OPTIONAL, 0, feat }
#define STICKY_OTHER(n) { n, sig_kw_sticky_buffer, KW_ARG_NONE, SIG_BUF_OTHER, NULL }
#define XFORM(n, bit) { n, sig_kw_transform, KW_ARG_OPTIONAL, bit, NULL }
#define CMOD(n, arg) { n, sig_kw_content_modifier, arg, 0, NULL }
#define NUM(n, kind) { n, sig_kw_numcmp, KW_ARG_REQUIRED, kind, NULL }

/* geoip, iprep (sig_kw_rep.c): compiled against sig_load_options' data */
SIG_KW_HANDLER(sig_kw_geoip);
SIG_KW_HANDLER(sig_kw_iprep);

static struct sig_keyword keywords[] = {
	/* meta */
	{ "msg", sig_kw_msg, KW_ARG_REQUIRED, 0, NULL },
	{ "sid", sig_kw_sid, KW_ARG_REQUIRED, 0, NULL },
	{ "rev", sig_kw_rev, KW_ARG_REQUIRED, 0, NULL },
	{ "gid", sig_kw_gid, KW_ARG_REQUIRED, 0, NULL },
	{ "classtype", sig_kw_classtype, KW_ARG_REQUIRED, 0, NULL },
	{ "priority", sig_kw_priority, KW_ARG_REQUIRED, 0, NULL },
	{ "reference", sig_kw_reference, KW_ARG_REQUIRED, 0, NULL },
	{ "metadata", sig_kw_metadata, KW_ARG_REQUIRED, 0, NULL },
	{ "target", sig_kw_target, KW_ARG_REQUIRED, 0, NULL },
	/* prefilter only steers the engine's pattern choice; harmless to ignore */
	{ "prefilter", sig_kw_ignored, KW_ARG_NONE, 0, NULL },
	/* payload */
	{ "content", sig_kw_content, KW_ARG_REQUIRED, 0, NULL },
	{ "uricontent", sig_kw_uricontent, KW_ARG_REQUIRED, SIG_BUF_HTTP_URI, "http.uri" },
	CMOD("nocase", KW_ARG_NONE),
	CMOD("rawbytes", KW_ARG_NONE),
	CMOD("depth", KW_ARG_REQUIRED),
	CMOD("offset", KW_ARG_REQUIRED),
	CMOD("distance", KW_ARG_REQUIRED),
	CMOD("within", KW_ARG_REQUIRED),
	CMOD("fast_pattern", KW_ARG_OPTIONAL),
	CMOD("startswith", KW_ARG_NONE),
	CMOD("endswith", KW_ARG_NONE),
	{ "pcre", sig_kw_pcre, KW_ARG_REQUIRED, 0, NULL },
	{ "isdataat", sig_kw_isdataat, KW_ARG_REQUIRED, 0, NULL },
	{ "byte_test", sig_kw_byte_test, KW_ARG_REQUIRED, 0, NULL },
	{ "byte_jump", sig_kw_byte_jump, KW_ARG_REQUIRED, 0, NULL },
	{ "byte_extract", sig_kw_byte_extract, KW_ARG_REQUIRED, 0, NULL },
	{ "pkt_data", sig_kw_sticky_buffer, KW_ARG_NONE, SIG_BUF_PAYLOAD, NULL },
	/* packet header */
	NUM("dsize", SIG_M_DSIZE),
	NUM("ttl", SIG_M_TTL),
	NUM("itype", SIG_M_ITYPE),
	NUM("icode", SIG_M_ICODE),
	NUM("icmp_id", SIG_M_ICMP_ID),
	NUM("icmp_seq", SIG_M_ICMP_SEQ),
	NUM("ack", SIG_M_ACK),
	NUM("seq", SIG_M_SEQ),
	NUM("window", SIG_M_WINDOW),
	NUM("id", SIG_M_ID),
	NUM("tos", SIG_M_TOS),
	NUM("fragoffset", SIG_M_FRAGOFFSET),
	NUM("urilen", SIG_M_URILEN),
	NUM("bsize", SIG_M_BSIZE),
	{ "flags", sig_kw_flags, KW_ARG_REQUIRED, 0, NULL },
	{ "fragbits", sig_kw_fragbits, KW_ARG_REQUIRED, 0, NULL },
	{ "ipopts", sig_kw_ipopts, KW_ARG_REQUIRED, 0, NULL },
	{ "ip_proto", sig_kw_ip_proto, KW_ARG_REQUIRED, 0, NULL },
	{ "sameip", sig_kw_sameip, KW_ARG_NONE, 0, NULL },
	/* flow */
	{ "flow", sig_kw_flow, KW_ARG_REQUIRED, 0, NULL },
	{ "flowbits", sig_kw_flowbits, KW_ARG_REQUIRED, 0, NULL },
	{ "noalert", sig_kw_noalert, KW_ARG_NONE, 0, NULL },
	{ "threshold", sig_kw_threshold, KW_ARG_REQUIRED, SIG_THRESH_LIMIT, NULL },
	{ "detection_filter", sig_kw_threshold, KW_ARG_REQUIRED, SIG_THRESH_DETECTION_FILTER, NULL },
	{ "app-layer-protocol", sig_kw_app_layer_protocol, KW_ARG_REQUIRED, 0, NULL },

	/* Snort 2.9 / Suricata content modifiers that move the last content */
	MODIFIER("http_uri", SIG_BUF_HTTP_URI, "http.uri"),
	MODIFIER("http_raw_uri", SIG_BUF_HTTP_URI_RAW, "http.uri.raw"),
	MODIFIER("http_method", SIG_BUF_HTTP_METHOD, "http.method"),
	MODIFIER("http_header", SIG_BUF_HTTP_HEADER, "http.header"),
	MODIFIER("http_raw_header", SIG_BUF_HTTP_HEADER_RAW, "http.header.raw"),
	MODIFIER("http_cookie", SIG_BUF_HTTP_COOKIE, "http.cookie"),
	MODIFIER("http_raw_cookie", SIG_BUF_HTTP_COOKIE, "http.cookie"),
	MODIFIER("http_client_body", SIG_BUF_HTTP_REQUEST_BODY, "http.request_body"),
	MODIFIER("http_server_body", SIG_BUF_HTTP_RESPONSE_BODY, "http.response_body"),
	MODIFIER("http_stat_code", SIG_BUF_HTTP_STAT_CODE, "http.stat_code"),
	MODIFIER("http_stat_msg", SIG_BUF_HTTP_STAT_MSG, "http.stat_msg"),
	MODIFIER("http_user_agent", SIG_BUF_HTTP_USER_AGENT, "http.user_agent"),
	MODIFIER("http_host", SIG_BUF_HTTP_HOST, "http.host"),
	MODIFIER("http_raw_host", SIG_BUF_HTTP_HOST_RAW, "http.host.raw"),

	/* Suricata 5+ sticky buffers, and their legacy dotless sticky names */
	STICKY("http.uri", SIG_BUF_HTTP_URI, NULL),
	STICKY("http.uri.raw", SIG_BUF_HTTP_URI_RAW, NULL),
	STICKY("http.method", SIG_BUF_HTTP_METHOD, NULL),
	STICKY("http.host", SIG_BUF_HTTP_HOST, NULL),
	STICKY("http.host.raw", SIG_BUF_HTTP_HOST_RAW, NULL),
	STICKY("http.user_agent", SIG_BUF_HTTP_USER_AGENT, NULL),
	STICKY("http.header", SIG_BUF_HTTP_HEADER, NULL),
	STICKY("http.header.raw", SIG_BUF_HTTP_HEADER_RAW, NULL),
	STICKY("http.header_names", SIG_BUF_HTTP_HEADER_NAMES, NULL),
	STICKY("http_header_names", SIG_BUF_HTTP_HEADER_NAMES, "http.header_names"),
	STICKY("http.cookie", SIG_BUF_HTTP_COOKIE, NULL),
	STICKY("http.content_type", SIG_BUF_HTTP_CONTENT_TYPE, NULL),
	STICKY("http_content_type", SIG_BUF_HTTP_CONTENT_TYPE, "http.content_type"),
	STICKY("http.content_len", SIG_BUF_HTTP_CONTENT_LEN, NULL),
	STICKY("http_content_len", SIG_BUF_HTTP_CONTENT_LEN, "http.content_len"),
	STICKY("http.stat_code", SIG_BUF_HTTP_STAT_CODE, NULL),
	STICKY("http.stat_msg", SIG_BUF_HTTP_STAT_MSG, NULL),
	STICKY("http.request_line", SIG_BUF_HTTP_REQUEST_LINE, NULL),
	STICKY("http_request_line", SIG_BUF_HTTP_REQUEST_LINE, "http.request_line"),
	STICKY("http.response_line", SIG_BUF_HTTP_RESPONSE_LINE, NULL),
	STICKY("http_response_line", SIG_BUF_HTTP_RESPONSE_LINE, "http.response_line"),
	STICKY("http.request_body", SIG_BUF_HTTP_REQUEST_BODY, NULL),
	STICKY("http.response_body", SIG_BUF_HTTP_RESPONSE_BODY, NULL),
	STICKY("file.data", SIG_BUF_HTTP_RESPONSE_BODY, "file.data"),
	STICKY("file_data", SIG_BUF_HTTP_RESPONSE_BODY, "file.data"),
	STICKY("http.protocol", SIG_BUF_HTTP_PROTOCOL, NULL),
	STICKY("http_protocol", SIG_BUF_HTTP_PROTOCOL, "http.protocol"),
	STICKY("http.accept", SIG_BUF_HTTP_ACCEPT, NULL),
	STICKY("http_accept", SIG_BUF_HTTP_ACCEPT, "http.accept"),
	STICKY("http.referer", SIG_BUF_HTTP_REFERER, NULL),
	STICKY("http_referer", SIG_BUF_HTTP_REFERER, "http.referer"),
	STICKY("http.start", SIG_BUF_HTTP_START, NULL),
	STICKY("http_start", SIG_BUF_HTTP_START, "http.start"),
	STICKY("http.connection", SIG_BUF_HTTP_CONNECTION, NULL),
	STICKY("http_connection", SIG_BUF_HTTP_CONNECTION, "http.connection"),
	STICKY("http.accept_enc", SIG_BUF_HTTP_ACCEPT_ENC, NULL),
	STICKY("http_accept_enc", SIG_BUF_HTTP_ACCEPT_ENC, "http.accept_enc"),
	STICKY("http.accept_lang", SIG_BUF_HTTP_ACCEPT_LANG, NULL),
	STICKY("http_accept_lang", SIG_BUF_HTTP_ACCEPT_LANG, "http.accept_lang"),
	STICKY("http.location", SIG_BUF_HTTP_LOCATION, NULL),
	STICKY("http.server", SIG_BUF_HTTP_SERVER, NULL),
	STICKY("tls.sni", SIG_BUF_TLS_SNI, NULL),
	STICKY("tls_sni", SIG_BUF_TLS_SNI, "tls.sni"),
	STICKY("tls.cert_subject", SIG_BUF_TLS_CERT_SUBJECT, NULL),
	STICKY("tls_cert_subject", SIG_BUF_TLS_CERT_SUBJECT, "tls.cert_subject"),
	STICKY("tls.cert_issuer", SIG_BUF_TLS_CERT_ISSUER, NULL),
	STICKY("tls_cert_issuer", SIG_BUF_TLS_CERT_ISSUER, "tls.cert_issuer"),
	STICKY("tls.cert_serial", SIG_BUF_TLS_CERT_SERIAL, NULL),
	STICKY("tls_cert_serial", SIG_BUF_TLS_CERT_SERIAL, "tls.cert_serial"),
	STICKY("tls.cert_fingerprint", SIG_BUF_TLS_CERT_FINGERPRINT, NULL),
	STICKY("tls_cert_fingerprint", SIG_BUF_TLS_CERT_FINGERPRINT, "tls.cert_fingerprint"),
	STICKY("ja3.hash", SIG_BUF_JA3_HASH, NULL),
	STICKY("ja3_hash", SIG_BUF_JA3_HASH, "ja3.hash"),
	STICKY("ja3.string", SIG_BUF_JA3_STRING, NULL),
	STICKY("ja3_string", SIG_BUF_JA3_STRING, "ja3.string"),
	STICKY("ja3s.hash", SIG_BUF_JA3S_HASH, NULL),
	STICKY("ja3s_hash", SIG_BUF_JA3S_HASH, "ja3s.hash"),
	STICKY("ja3s.string", SIG_BUF_JA3S_STRING, NULL),
	STICKY("ja3s_string", SIG_BUF_JA3S_STRING, "ja3s.string"),
	STICKY("dns.query", SIG_BUF_DNS_QUERY, NULL),
	STICKY("dns_query", SIG_BUF_DNS_QUERY, "dns.query"),
	/* other sticky buffers: known by name, engine later */
	STICKY_OTHER("tls.certs"), STICKY_OTHER("tls.subjectaltname"), STICKY_OTHER("tls.random"),
	STICKY_OTHER("tls.random_time"), STICKY_OTHER("tls.random_bytes"), STICKY_OTHER("ja4.hash"),
	STICKY_OTHER("dns.answer.name"), STICKY_OTHER("dns.queries.rrname"), STICKY_OTHER("dns.answers.rrname"),
	STICKY_OTHER("http2.header"), STICKY_OTHER("http2.header_name"), STICKY_OTHER("http.request_header"),
	STICKY_OTHER("http.response_header"), STICKY_OTHER("file.name"), STICKY_OTHER("file.magic"),
	STICKY_OTHER("ssh.proto"), STICKY_OTHER("ssh_proto"), STICKY_OTHER("ssh.software"),
	STICKY_OTHER("ssh_software"), STICKY_OTHER("ssh.hassh"), STICKY_OTHER("ssh.hassh.string"),
	STICKY_OTHER("ssh.hassh.server"), STICKY_OTHER("ssh.hassh.server.string"),
	STICKY_OTHER("smb.named_pipe"), STICKY_OTHER("smb.share"), STICKY_OTHER("smb.ntlmssp_user"),
	STICKY_OTHER("smb.ntlmssp_domain"), STICKY_OTHER("dcerpc.stub_data"), STICKY_OTHER("dce_stub_data"),
	STICKY_OTHER("krb5.cname"), STICKY_OTHER("krb5_cname"), STICKY_OTHER("krb5.sname"),
	STICKY_OTHER("krb5_sname"), STICKY_OTHER("snmp.community"), STICKY_OTHER("snmp.usm"),
	STICKY_OTHER("sip.method"), STICKY_OTHER("sip.uri"), STICKY_OTHER("sip.request_line"),
	STICKY_OTHER("sip.response_line"), STICKY_OTHER("sip.protocol"), STICKY_OTHER("sip.stat_code"),
	STICKY_OTHER("sip.stat_msg"), STICKY_OTHER("ftp.command"), STICKY_OTHER("ftp.command_data"),
	STICKY_OTHER("smtp.helo"), STICKY_OTHER("smtp.mail_from"),
	STICKY_OTHER("smtp.rcpt_to"), STICKY_OTHER("email.from"), STICKY_OTHER("email.subject"),
	STICKY_OTHER("email.to"), STICKY_OTHER("email.cc"), STICKY_OTHER("mqtt.connect.clientid"),
	STICKY_OTHER("mqtt.publish.topic"), STICKY_OTHER("mqtt.publish.message"), STICKY_OTHER("quic.sni"),
	STICKY_OTHER("quic.ua"), STICKY_OTHER("quic.version"), STICKY_OTHER("quic.cyu.hash"),
	STICKY_OTHER("quic.cyu.string"), STICKY_OTHER("rfb.name"), STICKY_OTHER("ike.vendor"),
	STICKY_OTHER("ike.key_exchange_payload"), STICKY_OTHER("ike.nonce_payload"),
	STICKY_OTHER("base64_data"), STICKY_OTHER("tcp.hdr"), STICKY_OTHER("udp.hdr"),
	STICKY_OTHER("ipv4.hdr"), STICKY_OTHER("ipv6.hdr"), STICKY_OTHER("icmpv4.hdr"),
	STICKY_OTHER("icmpv6.hdr"), STICKY_OTHER("krb5.ticket_encryption"), STICKY_OTHER("ldap.request.dn"),
	STICKY_OTHER("ldap.responses.dn"), STICKY_OTHER("websocket.payload"), STICKY_OTHER("pgsql.query"),
	STICKY_OTHER("ftp.reply"), STICKY_OTHER("ftp.completion_code"), STICKY_OTHER("dns.additionals.rrname"),
	STICKY_OTHER("dns.authorities.rrname"), STICKY_OTHER("dns.response.rrname"), STICKY_OTHER("dns.query.name"),
	STICKY_OTHER("email.url"), STICKY_OTHER("email.date"), STICKY_OTHER("email.message_id"),
	STICKY_OTHER("email.body_md5"), STICKY_OTHER("email.x_mailer"), STICKY_OTHER("email.received"),
	STICKY_OTHER("ldap.request.attribute_type"), STICKY_OTHER("ldap.responses.attribute_type"),
	STICKY_OTHER("ldap.responses.message"), STICKY_OTHER("mqtt.connect.password"),
	STICKY_OTHER("mqtt.connect.username"), STICKY_OTHER("mqtt.connect.protocol_string"),
	STICKY_OTHER("mqtt.connect.willtopic"), STICKY_OTHER("mqtt.connect.willmessage"),
	STICKY_OTHER("mqtt.subscribe.topic"), STICKY_OTHER("mqtt.unsubscribe.topic"),
	STICKY_OTHER("sip.content_length"), STICKY_OTHER("sip.content_type"), STICKY_OTHER("sip.via"),
	STICKY_OTHER("sip.user_agent"), STICKY_OTHER("sip.from"), STICKY_OTHER("sip.to"),
	STICKY_OTHER("sdp.origin"), STICKY_OTHER("sdp.session_name"), STICKY_OTHER("tls.alpn"),
	STICKY_OTHER("template.buffer"), STICKY_OTHER("smb_named_pipe"), STICKY_OTHER("smb_share"),
	STICKY_OTHER("krb5.encryption"),
	STICKY_OTHER("dhcp.hostname"), STICKY_OTHER("dhcp.vendor_class_id"), STICKY_OTHER("dnp3.data"),
	STICKY_OTHER("ike.key_exchange"), STICKY_OTHER("ike.nonce"), STICKY_OTHER("quic.cyu"),
	STICKY_OTHER("pgsql.request"), STICKY_OTHER("rdp.cookie"), STICKY_OTHER("snmp.pdu"),
	{ "frame", sig_kw_sticky_buffer, KW_ARG_REQUIRED, SIG_BUF_OTHER, "frame" },

	/* transforms on the current sticky buffer */
	XFORM("dotprefix", SIG_XFORM_DOTPREFIX),
	XFORM("to_lowercase", SIG_XFORM_TO_LOWER),
	XFORM("strip_whitespace", SIG_XFORM_STRIP_WHITESPACE),
	XFORM("compress_whitespace", SIG_XFORM_COMPRESS_WS),
	XFORM("url_decode", SIG_XFORM_URL_DECODE),
	XFORM("to_uppercase", SIG_XFORM_OTHER), XFORM("to_md5", SIG_XFORM_OTHER),
	XFORM("to_sha1", SIG_XFORM_OTHER), XFORM("to_sha256", SIG_XFORM_OTHER),
	XFORM("xor", SIG_XFORM_OTHER), XFORM("pcrexform", SIG_XFORM_OTHER),
	XFORM("header_lowercase", SIG_XFORM_OTHER), XFORM("strip_pseudo_headers", SIG_XFORM_OTHER),
	XFORM("from_base64", SIG_XFORM_OTHER), XFORM("domain", SIG_XFORM_OTHER),
	XFORM("tld", SIG_XFORM_OTHER), XFORM("subslice", SIG_XFORM_OTHER), XFORM("luaxform", SIG_XFORM_OTHER),
	XFORM("gunzip", SIG_XFORM_OTHER), XFORM("zlib_deflate", SIG_XFORM_OTHER),

	/* keywords whose engine comes later */
	LATER("xbits"), LATER("hostbits"), LATER("flowint"), LATER("flowvar"), LATER("pktvar"),
	LATER("stream_size"), LATER("tag"), LATER("replace"), LATER("app-layer-event"),
	LATER("app-layer-state"), LATER("decode-event"), LATER("stream-event"), LATER("engine-event"),
	LATER("ssl_state"), LATER("ssl_version"), LATER("tls.version"), LATER("tls.store"),
	LATER("tls_store"), LATER("tls.fingerprint"), LATER("tls.subject"), LATER("tls.issuerdn"),
	LATER("tls_cert_notbefore"), LATER("tls_cert_notafter"), LATER("tls_cert_expired"),
	LATER("tls_cert_valid"), LATER("tls.cert_chain_len"), LATER("base64_decode"), LATER("lua"),
	LATER("luajit"), LATER("dataset"), LATER("datarep"),
	{ "iprep", sig_kw_iprep, KW_ARG_REQUIRED, 0, NULL }, { "geoip", sig_kw_geoip, KW_ARG_REQUIRED, 0, NULL },
	LATER("filemagic"), LATER("filename"), LATER("fileext"), LATER("filestore"), LATER("filemd5"),
	LATER("filesha1"), LATER("filesha256"), LATER("filesize"), LATER("file.size"),
	LATER("asn1"), LATER("ftpbounce"), { "byte_math", sig_kw_byte_math, KW_ARG_REQUIRED, 0, NULL }, LATER("entropy"), LATER("bypass"),
	LATER("config"), LATER("requires"), LATER("l3_proto"), LATER("tcp.mss"), LATER("tcp.flags"),
	LATER("icmpv6.mtu"), LATER("flow.age"), LATER("flow.pkts"), LATER("flow.bytes"),
	LATER("dns.opcode"), LATER("dns.rcode"), LATER("dns.rrtype"), LATER("ssh.protoversion"),
	LATER("ssh.softwareversion"), LATER("ssh_protoversion"), LATER("ssh_softwareversion"),
	LATER("smb.version"), LATER("dcerpc.iface"), LATER("dcerpc.opnum"), LATER("dce_iface"),
	LATER("dce_opnum"), LATER("krb5_msg_type"), LATER("krb5_err_code"), LATER("krb5.weak_encryption"),
	LATER("snmp.version"), LATER("snmp.pdu_type"), LATER("modbus"), LATER("dnp3_func"),
	LATER("dnp3.func"), LATER("dnp3_ind"), LATER("dnp3.ind"), LATER("dnp3_obj"), LATER("dnp3.obj"),
	STICKY_OTHER("dnp3_data"), LATER("enip_command"), LATER("cip_service"),
	LATER("nfs_procedure"), LATER("nfs.version"), LATER("rfb.secresult"), LATER("rfb.sectype"),
	LATER("mqtt.type"), LATER("mqtt.flags"), LATER("mqtt.qos"), LATER("http2.frametype"),
	LATER("http2.errorcode"), LATER("http2.priority"), LATER("http2.window"), LATER("http2.settings"),
	LATER("ike.exchtype"), LATER("ike.spi.initiator"), LATER("ike.spi.responder"), LATER("ike.chosen_sa_attribute"),
	LATER("template2"), LATER("transform"), LATER("target_xbits"), LATER("alert"),
	LATER("http.response_header.raw"), LATER("sip.request_header"), LATER("ja4"),
	LATER("flowbits_ex"), LATER("stream_reassembly"),
	LATER("ntp.version"), LATER("ntp.stratum"), LATER("ntp.mode"), LATER("ntp.reference_id"),
	LATER("vlan.id"), LATER("vlan.layers"), LATER("ip.src"), LATER("ip.dst"), LATER("nfs_version"),
	LATER("ftp.reply_received"), LATER("ftp.mode"), LATER("ftp.dynamic_port"), LATER("ipv4-csum"),
	LATER("tcpv4-csum"), LATER("tcpv6-csum"), LATER("udpv4-csum"), LATER("udpv6-csum"),
	LATER("icmpv4-csum"), LATER("icmpv6-csum"), LATER("mqtt.reason_code"), LATER("mqtt.protocol_version"),
	LATER("mqtt.connect.flags"), LATER("mqtt.connack.session_present"), LATER("ike.key_exchange_payload_length"), LATER("ike.nonce_payload_length"),
	LATER("flow.elephant"), LATER("flow.pkts_toclient"), LATER("flow.pkts_toserver"),
	LATER("flow.bytes_toclient"), LATER("flow.bytes_toserver"), LATER("websocket.opcode"),
	LATER("websocket.flags"), LATER("websocket.mask"), LATER("dhcp.leasetime"),
	LATER("dhcp.rebinding_time"), LATER("dhcp.renewal_time"), LATER("tcp.session"), LATER("tcp.window"),
	LATER("vxlan_vni"), LATER("pkt_eq"), LATER("stream_depth"), LATER("http2.size_update"),
	LATER("ldap.request.operation"), LATER("ldap.responses.operation"), LATER("ldap.responses.count"),
	LATER("ldap.responses.result_code"), LATER("snmp.community_string"), LATER("smb.ntlmssp_domain_raw"),
	LATER("dns.answer.rrtype"), LATER("icmpv6.hdr_len"), LATER("tcp.wscale"), LATER("enip.command"),
	LATER("enip.status"), LATER("cip.service"), LATER("sip.method_name"),
	LATER("tls.cert_chain"), LATER("ftpdata_command"), LATER("absent"), LATER("igmp-csum"),
	LATER("igmp.type"), STICKY_OTHER("igmp.hdr"), STICKY_OTHER("ike.init_spi"), STICKY_OTHER("ike.resp_spi"),
	STICKY_OTHER("llmnr.answers.rrname"), STICKY_OTHER("llmnr.authorities.rrname"),
	STICKY_OTHER("llmnr.queries.rrname"), STICKY_OTHER("llmnr.additionals.rrname"), LATER("xor_key"), LATER("ssl_prefilter"),
};

static pthread_once_t sort_once = PTHREAD_ONCE_INIT;
static size_t n_keywords = sizeof(keywords) / sizeof(keywords[0]);

static int kw_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sig_keyword *)a)->name, ((const struct sig_keyword *)b)->name);
}

static void sort_keywords(void)
{
	qsort(keywords, n_keywords, sizeof(keywords[0]), kw_cmp);
}

const struct sig_keyword *sig_keyword_find(const char *name)
{
	pthread_once(&sort_once, sort_keywords);
	struct sig_keyword key = { .name = name };
	return bsearch(&key, keywords, n_keywords, sizeof(keywords[0]), kw_cmp);
}

static const char *const buffer_names[SIG_BUF__COUNT] = {
	[SIG_BUF_PAYLOAD] = "pkt_data",
	[SIG_BUF_HTTP_URI] = "http.uri", [SIG_BUF_HTTP_URI_RAW] = "http.uri.raw",
	[SIG_BUF_HTTP_METHOD] = "http.method", [SIG_BUF_HTTP_HOST] = "http.host",
	[SIG_BUF_HTTP_HOST_RAW] = "http.host.raw", [SIG_BUF_HTTP_USER_AGENT] = "http.user_agent",
	[SIG_BUF_HTTP_HEADER] = "http.header", [SIG_BUF_HTTP_HEADER_RAW] = "http.header.raw",
	[SIG_BUF_HTTP_HEADER_NAMES] = "http.header_names", [SIG_BUF_HTTP_COOKIE] = "http.cookie",
	[SIG_BUF_HTTP_CONTENT_TYPE] = "http.content_type", [SIG_BUF_HTTP_CONTENT_LEN] = "http.content_len",
	[SIG_BUF_HTTP_STAT_CODE] = "http.stat_code", [SIG_BUF_HTTP_STAT_MSG] = "http.stat_msg",
	[SIG_BUF_HTTP_REQUEST_LINE] = "http.request_line", [SIG_BUF_HTTP_RESPONSE_LINE] = "http.response_line",
	[SIG_BUF_HTTP_REQUEST_BODY] = "http.request_body", [SIG_BUF_HTTP_RESPONSE_BODY] = "http.response_body",
	[SIG_BUF_HTTP_PROTOCOL] = "http.protocol", [SIG_BUF_HTTP_ACCEPT] = "http.accept",
	[SIG_BUF_HTTP_REFERER] = "http.referer", [SIG_BUF_HTTP_START] = "http.start",
	[SIG_BUF_HTTP_CONNECTION] = "http.connection", [SIG_BUF_HTTP_ACCEPT_ENC] = "http.accept_enc",
	[SIG_BUF_HTTP_ACCEPT_LANG] = "http.accept_lang", [SIG_BUF_HTTP_LOCATION] = "http.location",
	[SIG_BUF_HTTP_SERVER] = "http.server", [SIG_BUF_TLS_SNI] = "tls.sni",
	[SIG_BUF_TLS_CERT_SUBJECT] = "tls.cert_subject", [SIG_BUF_TLS_CERT_ISSUER] = "tls.cert_issuer",
	[SIG_BUF_TLS_CERT_SERIAL] = "tls.cert_serial", [SIG_BUF_TLS_CERT_FINGERPRINT] = "tls.cert_fingerprint",
	[SIG_BUF_JA3_HASH] = "ja3.hash", [SIG_BUF_JA3_STRING] = "ja3.string",
	[SIG_BUF_JA3S_HASH] = "ja3s.hash", [SIG_BUF_JA3S_STRING] = "ja3s.string",
	[SIG_BUF_DNS_QUERY] = "dns.query", [SIG_BUF_OTHER] = "other buffer",
};

const char *sig_buffer_name(uint8_t buffer)
{
	return buffer < SIG_BUF__COUNT && buffer_names[buffer] ? buffer_names[buffer] : "?";
}

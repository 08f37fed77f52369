/*
 * iprep.h - IP reputation data in Suricata's formats.
 *
 *   categories file   id,shortname,description        id 1..60
 *   reputation files  ip-or-cidr,category-id,score    score 0..127
 *
 * '#' starts a comment line; blank lines are skipped. A malformed line is
 * counted and kept as "FILE:LINE: reason" (iprep_bad_line), and the rest of
 * the file loads. An address inside several blocks of one category has the
 * score of the most specific one (Suricata's radix tree best match); the same
 * block listed twice keeps the last score read.
 *
 * Contract
 *  - Owns: the categories and, per category, sorted disjoint intervals each
 *    with one score (built after every iprep_load_file).
 *  - Who calls it: loaders (rule keyword iprep, firewall address sets with
 *    `reputation:`, rampartd for `iprep reload`), never the packet path:
 *    callers compile what they need (iprep_intervals) at load time.
 *  - Thread rules: load on one thread; afterwards the data is read-only and
 *    any number of threads may query it.
 */
#ifndef RAMPART_IPREP_H
#define RAMPART_IPREP_H

#include <stddef.h>
#include <stdint.h>

#include "signatures/iprep/ip_intervals.h"

#define IPREP_MAX_CATEGORY 60
#define IPREP_MAX_SCORE    127

struct iprep_data;

/* Comparison of the iprep keyword: score < N, score > N, score = N; and
 * score >= N for firewall address sets (min-score). */
enum iprep_cmp { IPREP_CMP_LT, IPREP_CMP_GT, IPREP_CMP_EQ, IPREP_CMP_GE };

struct iprep_data *iprep_new(void);
void iprep_free(struct iprep_data *d);

/* Read a categories file (may be called again: later definitions add).
 * -1 with "PATH: reason" in err only when the file cannot be read. */
int iprep_load_categories(struct iprep_data *d, const char *path, char *err, size_t errlen);
/* Read a reputation file; category ids must be defined first. -1 with err
 * only when the file cannot be read or out of memory. */
int iprep_load_file(struct iprep_data *d, const char *path, char *err, size_t errlen);

size_t iprep_bad_lines(const struct iprep_data *d);           /* malformed lines, all files */
const char *iprep_bad_line(const struct iprep_data *d, size_t i); /* first 64: "FILE:LINE: reason" */
size_t iprep_entry_count(const struct iprep_data *d);         /* blocks loaded, all categories */
size_t iprep_category_count(const struct iprep_data *d);

/* Category id of a short name (case-sensitive, like Suricata), or -1. */
int iprep_category_id(const struct iprep_data *d, const char *name);
/* Short name of a category id, NULL when not defined. */
const char *iprep_category_name(const struct iprep_data *d, int id);

/* Score of an address in a category (family 4: u8[0..3], network order), -1 when unlisted. */
int iprep_score(const struct iprep_data *d, const struct ip_addr *a, uint8_t family, int category);
/* Same for an address in text form; -1 also when `ip` is not an address. */
int iprep_score_text(const struct iprep_data *d, const char *ip, int category);

/* The addresses of a category whose score satisfies `cmp value` (unlisted
 * addresses never do), as an interval table. NULL when out of memory. */
struct ip_intervals *iprep_intervals(const struct iprep_data *d, int category, uint8_t cmp, int value);

#endif /* RAMPART_IPREP_H */

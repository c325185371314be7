/* Test support for the spool tests: temporary spool directories, reading spool files back,
 * and exactly-once checks against the receiver. cmocka assertions. */
#ifndef LLMOBS_TEST_SPOOL_TEST_H
#define LLMOBS_TEST_SPOOL_TEST_H

#include "capture.h"
#include "itemset.h"
#include "receiver.h"

#include <llmobs/llmobs.h>
#include <stdint.h>

/* A new empty directory under /tmp (caller frees the string) / removes it recursively. */
char *make_dir(void);
void remove_tree(const char *dir);
/* Spool files (not temp files) in `dir`: their number, and total bytes in *bytes. */
size_t spool_files(const char *dir, uint64_t *bytes);
/* Decodes every spool file of `dir` (failing the test on a bad one) and adds its span ids
 * and score ids: the ground truth of what reached the disk. Returns the items declared. */
uint64_t spooled_ids(const char *dir, itemset *spans, itemset *scores);
/* A client of `r` spooling to `dir` that gives up after the first failed attempt. */
llmobs_client *spool_client(receiver *r, const char *dir, int flush_at, const char *max_bytes);
/* ITEMS == EXPORTED + DROPPED + SPOOLED + PENDING */
void assert_balanced(llmobs_client *c);
/* The receiver accepted each of `spans` and `scores` exactly once, and nothing else. */
void check_exactly_once(receiver *r, const itemset *spans, const itemset *scores);
/* The full path of the one spool file of `dir` into out (fails the test unless exactly one). */
void only_spool_file(const char *dir, char *out, size_t cap);
/* The value of one sample (`name{labels}` as rendered) of the default registry's text
 * exposition; 0 when absent (a counter that nothing has created yet). */
double default_registry_sample(const char *sample);

#endif

/* The option strings of the cost tracker: budgets ("feature=usd,feature2=usd") and
 * budget_thresholds ("0.8,0.9,1.0"). One parser each, used both to validate the option and
 * to apply it, so what validates is exactly what applies. */
#include "cost/cost.h"
#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEM 256

/* Copies text[from..to) into buf without surrounding whitespace. */
static size_t trimmed(const char *from, const char *to, char *buf, size_t cap)
{
    while (from < to && isspace((unsigned char)*from))
        from++;
    while (to > from && isspace((unsigned char)to[-1]))
        to--;
    size_t n = (size_t)(to - from);
    if (n >= cap) n = cap - 1;
    memcpy(buf, from, n);
    buf[n] = '\0';
    return (size_t)(to - from);
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return false;
    *out = v;
    return true;
}

typedef struct {
    char names[64][MAX_ITEM];
    size_t n;
} seen_set;

llmobs_status llmobs__cost_parse_budgets(const char *key, const char *spec,
                                         llmobs__budget_add_fn add, void *ud)
{
    if (!key) key = "budgets";
    if (!spec) return llmobs__error(LLMOBS_EINVAL, "option %s: NULL value", key);
    seen_set *seen = calloc(1, sizeof *seen);
    if (!seen) return llmobs__error(LLMOBS_ENOMEM, "option %s: out of memory", key);
    llmobs_status st = LLMOBS_OK;
    for (const char *p = spec; *p && st == LLMOBS_OK;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        char item[MAX_ITEM], name[MAX_ITEM], amount[MAX_ITEM];
        if (trimmed(p, end, item, sizeof item) >= sizeof item) {
            st = llmobs__error(LLMOBS_EINVAL, "option %s: item too long near '%.40s'", key, p);
            break;
        }
        p = comma ? comma + 1 : end;
        if (!*item) continue; /* "a=1,,b=2" and "a=1," are tolerated */
        char *eq = strchr(item, '=');
        if (!eq) {
            st = llmobs__error(LLMOBS_EINVAL, "option %s: '%s' is not feature=usd", key, item);
            break;
        }
        trimmed(item, eq, name, sizeof name);
        trimmed(eq + 1, eq + 1 + strlen(eq + 1), amount, sizeof amount);
        double usd = 0;
        if (!*name)
            st = llmobs__error(LLMOBS_EINVAL, "option %s: empty feature name in '%s'", key, item);
        else if (!parse_number(amount, &usd) || usd <= 0)
            st = llmobs__error(LLMOBS_EINVAL,
                               "option %s: feature '%s': budget must be a number > 0 (USD), got "
                               "'%s'",
                               key, name, amount);
        for (size_t i = 0; st == LLMOBS_OK && i < seen->n; i++)
            if (strcmp(seen->names[i], name) == 0)
                st =
                    llmobs__error(LLMOBS_EINVAL, "option %s: feature '%s' listed twice", key, name);
        if (st == LLMOBS_OK && seen->n == sizeof seen->names / sizeof seen->names[0])
            st = llmobs__error(LLMOBS_EINVAL,
                               "option %s: more than %zu features; set the rest "
                               "with llmobs_cost_set_budget",
                               key, sizeof seen->names / sizeof seen->names[0]);
        if (st != LLMOBS_OK) break;
        memcpy(seen->names[seen->n++], name, sizeof name);
        if (add) st = add(name, usd, ud);
    }
    free(seen);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

llmobs_status llmobs__cost_parse_thresholds(const char *key, const char *spec,
                                            double out[LLMOBS__COST_MAX_THRESHOLDS], size_t *n)
{
    if (!key) key = "budget_thresholds";
    if (!spec) return llmobs__error(LLMOBS_EINVAL, "option %s: NULL value", key);
    size_t count = 0;
    for (const char *p = spec; *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        char item[64];
        size_t len = trimmed(p, end, item, sizeof item);
        p = comma ? comma + 1 : end;
        double v;
        if (len >= sizeof item || !parse_number(item, &v) || v <= 0 || v > 100)
            return llmobs__error(LLMOBS_EINVAL,
                                 "option %s: '%s' is not a fraction of the budget in (0, 100]", key,
                                 item);
        if (count == LLMOBS__COST_MAX_THRESHOLDS)
            return llmobs__error(LLMOBS_EINVAL, "option %s: at most %d thresholds", key,
                                 LLMOBS__COST_MAX_THRESHOLDS);
        out[count++] = v;
    }
    if (count == 0)
        return llmobs__error(LLMOBS_EINVAL, "option %s: at least one threshold is needed", key);
    qsort(out, count, sizeof *out, cmp_double);
    for (size_t i = 1; i < count; i++)
        if (out[i] == out[i - 1])
            return llmobs__error(LLMOBS_EINVAL, "option %s: threshold %g listed twice", key,
                                 out[i]);
    *n = count;
    return LLMOBS_OK;
}

llmobs_status llmobs__cost_check_budgets(const char *key, const char *value)
{
    return llmobs__cost_parse_budgets(key, value, NULL, NULL);
}

llmobs_status llmobs__cost_check_thresholds(const char *key, const char *value)
{
    double tmp[LLMOBS__COST_MAX_THRESHOLDS];
    size_t n;
    return llmobs__cost_parse_thresholds(key, value, tmp, &n);
}

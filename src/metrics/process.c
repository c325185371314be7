/* Linux process metrics with the names and meaning of the official Prometheus clients,
 * read from /proc at scrape time. A value that cannot be read is left out. */
#include "metrics/family.h"
#include "core/error.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *const process_names[] = {
    "process_cpu_seconds",          "process_cpu_seconds_total", "process_resident_memory_bytes",
    "process_virtual_memory_bytes", "process_open_fds",          "process_max_fds",
    "process_start_time_seconds",
};

static bool process_name_taken(const char *name)
{
    for (size_t i = 0; i < sizeof process_names / sizeof process_names[0]; i++)
        if (strcmp(process_names[i], name) == 0) return true;
    return false;
}

typedef struct proc_stat {
    double utime, stime; /* clock ticks */
    double starttime;    /* clock ticks since boot */
    double vsize;        /* bytes */
    double rss;          /* pages */
} proc_stat;

static bool read_proc_stat(proc_stat *ps)
{
    char buf[2048];
    FILE *fp = fopen("/proc/self/stat", "r");
    if (!fp) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* The command name (field 2) may contain spaces and ')'; fields resume after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p) return false;
    p++;
    /* Fields 3.. : state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24. */
    double fields[25] = {0};
    char *save = NULL;
    int idx = 3;
    for (char *tok = strtok_r(p, " ", &save); tok && idx <= 24;
         tok = strtok_r(NULL, " ", &save), idx++)
        if (idx >= 14) fields[idx] = strtod(tok, NULL); /* plain integers: locale-neutral */
    if (idx <= 24) return false;
    ps->utime = fields[14];
    ps->stime = fields[15];
    ps->starttime = fields[22];
    ps->vsize = fields[23];
    ps->rss = fields[24];
    return true;
}

static bool read_boot_time(double *btime)
{
    FILE *fp = fopen("/proc/stat", "r");
    if (!fp) return false;
    char line[512];
    bool found = false;
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "btime ", 6) == 0) {
            *btime = strtod(line + 6, NULL);
            found = true;
            break;
        }
    }
    fclose(fp);
    return found;
}

static bool count_open_fds(double *out)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return false;
    double n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    *out = n - 1; /* the directory stream's own descriptor */
    return true;
}

static void metric(llmobs__buf *b, llmobs_metrics_format fmt, int type, const char *name,
                   const char *unit, const char *help, double v)
{
    llmobs__render_header(b, fmt, type, name, unit, help);
    llmobs__render_sample(b, name, type == LLMOBS__COUNTER ? "_total" : "", "", 0, v);
}

static void process_render(llmobs__buf *b, llmobs_metrics_format fmt)
{
    proc_stat ps;
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    bool have_stat = read_proc_stat(&ps) && ticks > 0 && page > 0;
    if (have_stat) {
        metric(b, fmt, LLMOBS__COUNTER, "process_cpu_seconds", "seconds",
               "Total user and system CPU time spent in seconds.",
               (ps.utime + ps.stime) / (double)ticks);
        metric(b, fmt, LLMOBS__GAUGE, "process_resident_memory_bytes", "bytes",
               "Resident memory size in bytes.", ps.rss * (double)page);
        metric(b, fmt, LLMOBS__GAUGE, "process_virtual_memory_bytes", "bytes",
               "Virtual memory size in bytes.", ps.vsize);
    }
    double fds;
    if (count_open_fds(&fds))
        metric(b, fmt, LLMOBS__GAUGE, "process_open_fds", NULL, "Number of open file descriptors.",
               fds);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        metric(b, fmt, LLMOBS__GAUGE, "process_max_fds", NULL,
               "Maximum number of open file descriptors.",
               rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur);
    double btime;
    if (have_stat && read_boot_time(&btime))
        metric(b, fmt, LLMOBS__GAUGE, "process_start_time_seconds", "seconds",
               "Start time of the process since unix epoch in seconds.",
               btime + ps.starttime / (double)ticks);
}

const llmobs__registry_section llmobs__process_section = {process_render, process_name_taken};

llmobs_status llmobs_registry_set_process_metrics(llmobs_registry *r, int enabled)
{
    llmobs__error_clear();
    if (!llmobs__registry_valid(r)) return llmobs__error(LLMOBS_EINVAL, "registry is NULL");
    pthread_mutex_lock(&r->lock);
    llmobs_status st = LLMOBS_OK;
    bool conflict = false;
    for (size_t i = 0; enabled && !conflict && i < r->nfamilies; i++)
        conflict = llmobs__family_names_taken(r->families[i], process_name_taken);
    if (conflict)
        st = llmobs__error(LLMOBS_EEXIST, "a registered family uses a process_* metric name");
    else
        atomic_store(&r->section, enabled ? &llmobs__process_section : NULL);
    pthread_mutex_unlock(&r->lock);
    return st;
}

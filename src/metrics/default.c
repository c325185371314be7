/* The process-wide default registry: a registry with the process metrics on. It composes the
 * generic registry and the process section, so neither names the other. */
#include "metrics/family.h"

#include <pthread.h>

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static llmobs_registry *default_registry;

static void default_init(void)
{
    default_registry = llmobs__registry_alloc();
    if (!default_registry) return;
    default_registry->is_default = true;
    atomic_store(&default_registry->section, &llmobs__process_section);
}

llmobs_registry *llmobs_registry_default(void)
{
    pthread_once(&default_once, default_init);
    return default_registry;
}

/* The JSON price file (prices_file option, llmobs_cost_load_prices_file). */
#include "cost/cost.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    llmobs__price *list = NULL;
    size_t n = 0;
    llmobs_status st = llmobs__price_file_parse((const char *)data, size, "fuzz", &list, &n);
    if (st == LLMOBS_OK) {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(list[i].model != NULL);
        llmobs__price_list_free(list, n);
    } else {
        FUZZ_CHECK(list == NULL || n == 0);
        llmobs__price_list_free(list, n);
    }
    return 0;
}

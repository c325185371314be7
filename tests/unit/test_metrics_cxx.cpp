// The public metrics header compiles as C++ and its functions link with C linkage.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" { // cmocka 1.1.5 has no C++ guards of its own
#include <cmocka.h>
}

#include <cstring>
#include <string>

#include "llmobs/metrics.h"

static void header_is_usable_from_cpp(void **)
{
    llmobs_status st = LLMOBS_OK;
    llmobs_registry *r = llmobs_registry_new(&st);
    assert_non_null(r);
    llmobs_family *f = nullptr;
    const char *const labels[] = {"model"};
    assert_int_equal(llmobs_counter_register(r, "cxx_total", "From C++", nullptr, labels, 1, &f),
                     LLMOBS_OK);
    const char *const values[] = {"m"};
    assert_int_equal(llmobs_counter_add_labels(f, values, 1, 2), LLMOBS_OK);
    char *body = nullptr;
    size_t len = 0;
    const char *ct = nullptr;
    assert_int_equal(
        llmobs_metrics_render_for_accept(r, "application/openmetrics-text", &body, &len, &ct),
        LLMOBS_OK);
    std::string s(body, len);
    assert_true(s.find("cxx_total{model=\"m\"} 2\n") != std::string::npos);
    assert_true(std::strcmp(ct, "application/openmetrics-text; version=1.0.0; charset=utf-8") == 0);
    llmobs_metrics_string_free(body);
    llmobs_registry_free(r);
}

int main()
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(header_is_usable_from_cpp)};
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}

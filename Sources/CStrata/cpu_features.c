// CPU feature detection via cpuid: Swift has no access to the instruction.
#include "CStrata.h"
#include <cpuid.h>

int cstrata_has_avx512f(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 16) & 1;
}

int cstrata_has_avx512bf16(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1;
}

int cstrata_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int cstrata_isa_path(int isa) {
    static int avx512 = -1, avx2 = -1;
    if (isa == CSTRATA_ISA_REFERENCE) return CSTRATA_PATH_SCALAR;
    if (avx512 < 0) avx512 = cstrata_has_avx512f();
    if (avx2 < 0) avx2 = cstrata_has_avx2_fma();
    if (isa == CSTRATA_ISA_BEST && avx512) return CSTRATA_PATH_AVX512;
    return avx2 ? CSTRATA_PATH_AVX2 : CSTRATA_PATH_SCALAR;
}

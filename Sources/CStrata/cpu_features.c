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
    // Read once and kept; kernels on several threads ask at once, hence the atomics.
    static int avx512 = -1, avx2 = -1;
    if (isa == CSTRATA_ISA_REFERENCE) return CSTRATA_PATH_SCALAR;
    int has512 = __atomic_load_n(&avx512, __ATOMIC_RELAXED), has2 = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
    if (has512 < 0) { has512 = cstrata_has_avx512f(); __atomic_store_n(&avx512, has512, __ATOMIC_RELAXED); }
    if (has2 < 0) { has2 = cstrata_has_avx2_fma(); __atomic_store_n(&avx2, has2, __ATOMIC_RELAXED); }
    if (isa == CSTRATA_ISA_BEST && has512) return CSTRATA_PATH_AVX512;
    return has2 ? CSTRATA_PATH_AVX2 : CSTRATA_PATH_SCALAR;
}

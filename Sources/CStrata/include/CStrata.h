// C shim for Strata: exposes OpenBLAS's cblas and libpng to Swift.
#ifndef CSTRATA_H
#define CSTRATA_H
#include <cblas.h>
#include <png.h>
#include <stdint.h>

/// The CPU features Strata's kernels branch on, read with cpuid at run time.
int cstrata_has_avx512f(void);
int cstrata_has_avx512bf16(void);

#endif

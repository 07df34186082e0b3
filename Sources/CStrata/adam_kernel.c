// One Adam step over a parameter's values. In C because Swift cannot vectorise it: its
// SIMD square root is a scalar sqrtss per lane with a libm call beside each (seen in the
// generated assembly), and this loop was an eighth of a fine-tuning step on the built-in
// model. AVX-512 CPUs take the AVX2 path too (they all have AVX2 and FMA). Products and
// sums are not contracted into FMAs, so every path gives the same values.
#include "CStrata.h"
#include "kernels_avx2.h"
#include <math.h>

#pragma clang fp contract(off)

static void adam_ref(float *p, const float *g, float *m, float *v, long n, const CStrataAdamStep *s) {
    for (long j = 0; j < n; j++) {
        float gj = g[j];
        m[j] = s->beta1 * m[j] + (1 - s->beta1) * gj;
        v[j] = s->beta2 * v[j] + (1 - s->beta2) * gj * gj;
        float denom = sqrtf(v[j]) / s->bias2_root + s->eps;
        p[j] = p[j] * s->decay - s->step_size * m[j] / denom;
    }
}

AVX2 static void adam_avx2(float *p, const float *g, float *m, float *v, long n, const CStrataAdamStep *s) {
    __m256 b1 = _mm256_set1_ps(s->beta1), c1 = _mm256_set1_ps(1 - s->beta1);
    __m256 b2 = _mm256_set1_ps(s->beta2), c2 = _mm256_set1_ps(1 - s->beta2);
    __m256 root = _mm256_set1_ps(s->bias2_root), eps = _mm256_set1_ps(s->eps);
    __m256 decay = _mm256_set1_ps(s->decay), size = _mm256_set1_ps(s->step_size);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 gj = _mm256_loadu_ps(g + j);
        __m256 mj = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + j)), _mm256_mul_ps(c1, gj));
        __m256 vj = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + j)), _mm256_mul_ps(_mm256_mul_ps(c2, gj), gj));
        __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vj), root), eps);
        __m256 pj = _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(p + j), decay), _mm256_div_ps(_mm256_mul_ps(size, mj), denom));
        _mm256_storeu_ps(m + j, mj);
        _mm256_storeu_ps(v + j, vj);
        _mm256_storeu_ps(p + j, pj);
    }
    adam_ref(p + j, g + j, m + j, v + j, n - j, s);
}

void cstrata_adam_update(int isa, float *p, const float *g, float *m, float *v, long n, const CStrataAdamStep *s) {
    if (cstrata_isa_path(isa) != CSTRATA_PATH_SCALAR) adam_avx2(p, g, m, v, n, s);
    else adam_ref(p, g, m, v, n, s);
}

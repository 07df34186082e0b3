// Shared by the AVX2 kernel files: the target attribute, tail masks, and the kernels
// the dispatching entry points in attention_kernels.c and vector_kernels.c call.
#ifndef CSTRATA_KERNELS_AVX2_H
#define CSTRATA_KERNELS_AVX2_H
#include <immintrin.h>
#include <stdint.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// A mask for _mm256_maskload_ps / _mm256_maskstore_ps with the first min(n, 8) lanes on.
AVX2 static inline __m256i cstrata_tail8(long n) {
    static const int32_t lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    long k = n >= 8 ? 8 : (n < 0 ? 0 : n);
    return _mm256_loadu_si256((const __m256i *)(lanes + 8 - k));
}

void cstrata_scores_avx2(const float *q, long rows, long d, const float *kt, long keys, float scale, float *s, long lds);
void cstrata_values_avx2(const float *p, long rows, long rs, long js, const float *v, long inner, long width,
                         float *o, long ldo, float alpha, int accumulate);
void cstrata_unary_avx2(int op, const float *x, const float *g, float *out, long n);
void cstrata_geglu_fwd_avx2(const float *x, float *y, long rows, long d);
void cstrata_geglu_bwd_avx2(const float *x, const float *g, float *dx, long rows, long d);
float cstrata_exp_row_avx2(float *row, long n, float *sum);
void cstrata_scale_avx2(float *row, long n, float f);
void cstrata_softmax_grad_avx2(const float *p, float *dp, long n, float delta);
#endif

// Attention's two products with AVX2/FMA register tiles, for CPUs without AVX-512
// (Zen 2/3, Intel before Skylake-X): the same products as attention_kernels.c, with
// 8-lane registers and masked loads for the tails. On such a CPU the scalar reference
// path made these two products half of an edit's time. In C for the reason
// attention_kernels.c gives: Swift cannot select AVX2 code at run time.
#include "CStrata.h"
#include "kernels_avx2.h"

// S[i][j] = scale · Σ_t Q[i][t] · KT[t][j] for 4 rows and 24 keys at a time
// (12 accumulators, 3 key registers and a broadcast: 16 registers).
AVX2 void cstrata_scores_avx2(const float *q, long rows, long d, const float *kt, long keys, float scale,
                              float *s, long lds) {
    __m256 sc = _mm256_set1_ps(scale);
    long i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *q0 = q + i * d;
        long j = 0;
        for (; j + 24 <= keys; j += 24) {
            __m256 acc[4][3];
            for (int r = 0; r < 4; r++) for (int c = 0; c < 3; c++) acc[r][c] = _mm256_setzero_ps();
            for (long t = 0; t < d; t++) {
                const float *kr = kt + t * keys + j;
                __m256 k0 = _mm256_loadu_ps(kr), k1 = _mm256_loadu_ps(kr + 8), k2 = _mm256_loadu_ps(kr + 16);
                for (int r = 0; r < 4; r++) {
                    __m256 qv = _mm256_broadcast_ss(q0 + r * d + t);
                    acc[r][0] = _mm256_fmadd_ps(qv, k0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(qv, k1, acc[r][1]);
                    acc[r][2] = _mm256_fmadd_ps(qv, k2, acc[r][2]);
                }
            }
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 3; c++) _mm256_storeu_ps(s + (i + r) * lds + j + 8 * c, _mm256_mul_ps(acc[r][c], sc));
        }
        for (; j < keys; j += 8) {
            __m256i m = cstrata_tail8(keys - j);
            __m256 acc[4];
            for (int r = 0; r < 4; r++) acc[r] = _mm256_setzero_ps();
            for (long t = 0; t < d; t++) {
                __m256 k0 = _mm256_maskload_ps(kt + t * keys + j, m);
                for (int r = 0; r < 4; r++) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(q0 + r * d + t), k0, acc[r]);
            }
            for (int r = 0; r < 4; r++) _mm256_maskstore_ps(s + (i + r) * lds + j, m, _mm256_mul_ps(acc[r], sc));
        }
    }
    for (; i < rows; i++) {
        const float *qi = q + i * d;
        for (long j = 0; j < keys; j += 8) {
            __m256i m = cstrata_tail8(keys - j);
            __m256 acc = _mm256_setzero_ps();
            for (long t = 0; t < d; t++) acc = _mm256_fmadd_ps(_mm256_broadcast_ss(qi + t), _mm256_maskload_ps(kt + t * keys + j, m), acc);
            _mm256_maskstore_ps(s + i * lds + j, m, _mm256_mul_ps(acc, sc));
        }
    }
}

// O[i][c] (+)= alpha · Σ_j P(i, j) · V[j][c] for up to 6 rows and 16 columns.
AVX2 static inline __attribute__((always_inline)) void values_tile(const float *p, long rs, long js, const float *v, long inner,
                                                                   long ldv, float *o, long ldo, int nrows, __m256i m0, __m256i m1,
                                                                   __m256 alpha, int accumulate) {
    __m256 acc[6][2];
    for (int r = 0; r < 6; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (long j = 0; j < inner; j++) {
        const float *vr = v + j * ldv;
        __m256 v0 = _mm256_maskload_ps(vr, m0), v1 = _mm256_maskload_ps(vr + 8, m1);
        const float *pj = p + j * js;
        for (int r = 0; r < nrows; r++) {
            __m256 pv = _mm256_broadcast_ss(pj + r * rs);
            acc[r][0] = _mm256_fmadd_ps(pv, v0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(pv, v1, acc[r][1]);
        }
    }
    for (int r = 0; r < nrows; r++) {
        float *orow = o + r * ldo;
        __m256 a0 = _mm256_mul_ps(acc[r][0], alpha), a1 = _mm256_mul_ps(acc[r][1], alpha);
        if (accumulate) {
            a0 = _mm256_add_ps(a0, _mm256_maskload_ps(orow, m0));
            a1 = _mm256_add_ps(a1, _mm256_maskload_ps(orow + 8, m1));
        }
        _mm256_maskstore_ps(orow, m0, a0);
        _mm256_maskstore_ps(orow + 8, m1, a1);
    }
}

// The same for at most 8 columns (heads of 8 and fewer, as in the built-in model's top
// level): 12 rows of one register each, where the 16-column tile would spend half its
// products on masked-off lanes.
AVX2 static inline __attribute__((always_inline)) void values_tile_narrow(const float *p, long rs, long js, const float *v,
                                                                          long inner, long ldv, float *o, long ldo, int nrows,
                                                                          __m256i m, __m256 alpha, int accumulate) {
    __m256 acc[12];
    for (int r = 0; r < 12; r++) acc[r] = _mm256_setzero_ps();
    for (long j = 0; j < inner; j++) {
        __m256 vj = _mm256_maskload_ps(v + j * ldv, m);
        const float *pj = p + j * js;
        for (int r = 0; r < nrows; r++) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(pj + r * rs), vj, acc[r]);
    }
    for (int r = 0; r < nrows; r++) {
        float *orow = o + r * ldo;
        __m256 a = _mm256_mul_ps(acc[r], alpha);
        if (accumulate) a = _mm256_add_ps(a, _mm256_maskload_ps(orow, m));
        _mm256_maskstore_ps(orow, m, a);
    }
}

AVX2 void cstrata_values_avx2(const float *p, long rows, long rs, long js, const float *v, long inner, long width,
                              float *o, long ldo, float alpha, int accumulate) {
    __m256 al = _mm256_set1_ps(alpha);
    if (width <= 8) {
        __m256i m = cstrata_tail8(width);
        for (long i = 0; i < rows; i += 12) {
            if (rows - i >= 12) values_tile_narrow(p + i * rs, rs, js, v, inner, width, o + i * ldo, ldo, 12, m, al, accumulate);
            else values_tile_narrow(p + i * rs, rs, js, v, inner, width, o + i * ldo, ldo, (int)(rows - i), m, al, accumulate);
        }
        return;
    }
    for (long c0 = 0; c0 < width; c0 += 16) {
        long w = width - c0 < 16 ? width - c0 : 16;
        __m256i m0 = cstrata_tail8(w), m1 = cstrata_tail8(w > 8 ? w - 8 : 0);
        for (long i = 0; i < rows; i += 6) {
            // The full tile gets a constant row count, so its accumulators stay in registers.
            if (rows - i >= 6) values_tile(p + i * rs, rs, js, v + c0, inner, width, o + i * ldo + c0, ldo, 6, m0, m1, al, accumulate);
            else values_tile(p + i * rs, rs, js, v + c0, inner, width, o + i * ldo + c0, ldo, (int)(rows - i), m0, m1, al, accumulate);
        }
    }
}

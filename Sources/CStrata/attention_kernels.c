// Attention's two products for one block of query rows, with AVX-512 register tiles:
// scores S = scale·Q·Kᵀ and outputs O = P·V. Head sizes (40, 80, 160 in Stable
// Diffusion) make these products skinny, and OpenBLAS repacks the large operand on
// every call (measured at 55-63% of the sgemm peak, against 80% here). Written in C for
// the same reason as vector_kernels.c: Swift cannot select AVX-512 code at run time.
// Each kernel has a scalar reference path, compared with it in the tests; CPUs without
// AVX-512 take the AVX2 tiles of attention_kernels_avx2.c.
#include "CStrata.h"
#include "kernels_avx2.h"
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

static inline __mmask16 tail_mask(long n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// S[i][j] = scale · Σ_t Q[i][t] · KT[t][j] for 6 rows and 64 keys at a time.
AVX512 static void scores_avx512(const float *q, long rows, long d, const float *kt, long keys, float scale,
                                 float *s, long lds) {
    __m512 sc = _mm512_set1_ps(scale);
    long i = 0;
    for (; i + 6 <= rows; i += 6) {
        const float *q0 = q + i * d;
        long j = 0;
        for (; j + 64 <= keys; j += 64) {
            __m512 acc[6][4];
            for (int r = 0; r < 6; r++) for (int c = 0; c < 4; c++) acc[r][c] = _mm512_setzero_ps();
            for (long t = 0; t < d; t++) {
                const float *kr = kt + t * keys + j;
                __m512 k0 = _mm512_loadu_ps(kr), k1 = _mm512_loadu_ps(kr + 16), k2 = _mm512_loadu_ps(kr + 32), k3 = _mm512_loadu_ps(kr + 48);
                for (int r = 0; r < 6; r++) {
                    __m512 qv = _mm512_set1_ps(q0[r * d + t]);
                    acc[r][0] = _mm512_fmadd_ps(qv, k0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(qv, k1, acc[r][1]);
                    acc[r][2] = _mm512_fmadd_ps(qv, k2, acc[r][2]);
                    acc[r][3] = _mm512_fmadd_ps(qv, k3, acc[r][3]);
                }
            }
            for (int r = 0; r < 6; r++)
                for (int c = 0; c < 4; c++) _mm512_storeu_ps(s + (i + r) * lds + j + 16 * c, _mm512_mul_ps(acc[r][c], sc));
        }
        for (; j < keys; j += 16) {
            __mmask16 m = tail_mask(keys - j);
            __m512 acc[6];
            for (int r = 0; r < 6; r++) acc[r] = _mm512_setzero_ps();
            for (long t = 0; t < d; t++) {
                __m512 k0 = _mm512_maskz_loadu_ps(m, kt + t * keys + j);
                for (int r = 0; r < 6; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(q0[r * d + t]), k0, acc[r]);
            }
            for (int r = 0; r < 6; r++) _mm512_mask_storeu_ps(s + (i + r) * lds + j, m, _mm512_mul_ps(acc[r], sc));
        }
    }
    for (; i < rows; i++) {
        const float *qi = q + i * d;
        for (long j = 0; j < keys; j += 16) {
            __mmask16 m = tail_mask(keys - j);
            __m512 acc = _mm512_setzero_ps();
            for (long t = 0; t < d; t++) acc = _mm512_fmadd_ps(_mm512_set1_ps(qi[t]), _mm512_maskz_loadu_ps(m, kt + t * keys + j), acc);
            _mm512_mask_storeu_ps(s + i * lds + j, m, _mm512_mul_ps(acc, sc));
        }
    }
}

// O[i][c] (+)= alpha · Σ_j P(i, j) · V[j][c], with P(i, j) = p[i·rs + j·js]: P itself for
// the output product, Pᵀ for the key and value gradients. 8 rows and 48 columns
// (3 registers) at a time.
AVX512 static inline __attribute__((always_inline)) void values_tile(const float *p, long rs, long js, const float *v, long inner, long ldv,
                                      float *o, long ldo, int nrows, __mmask16 m0, __mmask16 m1, __mmask16 m2,
                                      __m512 alpha, int accumulate) {
    __m512 acc[8][3];
    for (int r = 0; r < 8; r++) for (int c = 0; c < 3; c++) acc[r][c] = _mm512_setzero_ps();
    for (long j = 0; j < inner; j++) {
        const float *vr = v + j * ldv;
        __m512 v0 = _mm512_maskz_loadu_ps(m0, vr), v1 = _mm512_maskz_loadu_ps(m1, vr + 16), v2 = _mm512_maskz_loadu_ps(m2, vr + 32);
        const float *pj = p + j * js;
        for (int r = 0; r < nrows; r++) {
            __m512 pv = _mm512_set1_ps(pj[r * rs]);
            acc[r][0] = _mm512_fmadd_ps(pv, v0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(pv, v1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(pv, v2, acc[r][2]);
        }
    }
    for (int r = 0; r < nrows; r++) {
        float *orow = o + r * ldo;
        __m512 a0 = _mm512_mul_ps(acc[r][0], alpha), a1 = _mm512_mul_ps(acc[r][1], alpha), a2 = _mm512_mul_ps(acc[r][2], alpha);
        if (accumulate) {
            a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(m0, orow));
            a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(m1, orow + 16));
            a2 = _mm512_add_ps(a2, _mm512_maskz_loadu_ps(m2, orow + 32));
        }
        _mm512_mask_storeu_ps(orow, m0, a0);
        _mm512_mask_storeu_ps(orow + 16, m1, a1);
        _mm512_mask_storeu_ps(orow + 32, m2, a2);
    }
}

AVX512 static void values_avx512(const float *p, long rows, long rs, long js, const float *v, long inner, long width,
                                 float *o, long ldo, float alpha, int accumulate) {
    __m512 al = _mm512_set1_ps(alpha);
    for (long c0 = 0; c0 < width; c0 += 48) {
        long w = width - c0 < 48 ? width - c0 : 48;
        __mmask16 m0 = tail_mask(w), m1 = tail_mask(w > 16 ? w - 16 : 0), m2 = tail_mask(w > 32 ? w - 32 : 0);
        for (long i = 0; i < rows; i += 8) {
            // The full tile gets a constant row count, so its accumulators stay in registers.
            if (rows - i >= 8) values_tile(p + i * rs, rs, js, v + c0, inner, width, o + i * ldo + c0, ldo, 8, m0, m1, m2, al, accumulate);
            else values_tile(p + i * rs, rs, js, v + c0, inner, width, o + i * ldo + c0, ldo, (int)(rows - i), m0, m1, m2, al, accumulate);
        }
    }
}

void cstrata_attention_scores(int isa, const float *q, long rows, long d, const float *kt, long keys, float scale,
                              float *s, long lds) {
    switch (cstrata_isa_path(isa)) {
    case CSTRATA_PATH_AVX512: scores_avx512(q, rows, d, kt, keys, scale, s, lds); return;
    case CSTRATA_PATH_AVX2: cstrata_scores_avx2(q, rows, d, kt, keys, scale, s, lds); return;
    }
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < keys; j++) {
            double acc = 0;
            for (long t = 0; t < d; t++) acc += (double)q[i * d + t] * kt[t * keys + j];
            s[i * lds + j] = (float)(acc * scale);
        }
}

void cstrata_attention_values(int isa, const float *p, long rows, long row_stride, long inner_stride,
                              const float *v, long inner, long width, float *o, long ldo, float alpha, int accumulate) {
    switch (cstrata_isa_path(isa)) {
    case CSTRATA_PATH_AVX512: values_avx512(p, rows, row_stride, inner_stride, v, inner, width, o, ldo, alpha, accumulate); return;
    case CSTRATA_PATH_AVX2: cstrata_values_avx2(p, rows, row_stride, inner_stride, v, inner, width, o, ldo, alpha, accumulate); return;
    }
    for (long i = 0; i < rows; i++)
        for (long c = 0; c < width; c++) {
            double acc = 0;
            for (long j = 0; j < inner; j++) acc += (double)p[i * row_stride + j * inner_stride] * v[j * width + c];
            float r = (float)(acc * alpha);
            o[i * ldo + c] = accumulate ? o[i * ldo + c] + r : r;
        }
}

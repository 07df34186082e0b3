// The element-wise kernels of vector_kernels.c (SiLU, sigmoid, GELU, GEGLU, softmax
// rows) with AVX2/FMA, for CPUs without AVX-512: the same formulas on 8-lane registers,
// 2^n built in the exponent bits where AVX-512 has scalef. In C for the reason
// vector_kernels.c gives.
#include "CStrata.h"
#include "kernels_avx2.h"
#include <math.h>

AVX2 static inline __m256 set1(float v) { return _mm256_set1_ps(v); }

// e^x: Cody-Waite reduction x = n ln2 + r, Cephes' degree-6 polynomial, 2^n in the
// exponent field (the clamp keeps n in [-126, 127]).
AVX2 static inline __m256 exp256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, set1(-87.3f)), set1(88.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    __m256 p = set1(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, set1(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, set1(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, set1(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, set1(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, set1(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, set1(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// 1/d by the 12-bit estimate and one Newton step.
AVX2 static inline __m256 recip256(__m256 d) {
    __m256 r = _mm256_rcp_ps(d);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, set1(2.0f)));
}

AVX2 static inline __m256 sig256(__m256 x) {
    return recip256(_mm256_add_ps(set1(1.0f), exp256(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

AVX2 static inline __m256 abs256(__m256 x) { return _mm256_andnot_ps(set1(-0.0f), x); }

// tanh = 1 − 2/(e^{2x}+1); a short series near 0 keeps relative accuracy there.
AVX2 static inline __m256 tanh256(__m256 x) {
    __m256 e = exp256(_mm256_add_ps(x, x));
    __m256 big = _mm256_sub_ps(set1(1.0f), _mm256_div_ps(set1(2.0f), _mm256_add_ps(e, set1(1.0f))));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 q = _mm256_fmadd_ps(x2, set1(-17.0f / 315.0f), set1(2.0f / 15.0f));
    q = _mm256_fmadd_ps(q, x2, set1(-1.0f / 3.0f));
    q = _mm256_fmadd_ps(q, x2, set1(1.0f));
    __m256 small = _mm256_mul_ps(x, q);
    return _mm256_blendv_ps(big, small, _mm256_cmp_ps(abs256(x), set1(0.125f), _CMP_LT_OQ));
}

// erf from Numerical Recipes' erfcc (fractional error below 1.2e-7).
AVX2 static inline __m256 erf256(__m256 x) {
    __m256 z = abs256(x);
    __m256 t = _mm256_div_ps(set1(1.0f), _mm256_fmadd_ps(set1(0.5f), z, set1(1.0f)));
    __m256 p = set1(0.17087277f);
    p = _mm256_fmadd_ps(p, t, set1(-0.82215223f));
    p = _mm256_fmadd_ps(p, t, set1(1.48851587f));
    p = _mm256_fmadd_ps(p, t, set1(-1.13520398f));
    p = _mm256_fmadd_ps(p, t, set1(0.27886807f));
    p = _mm256_fmadd_ps(p, t, set1(-0.18628806f));
    p = _mm256_fmadd_ps(p, t, set1(0.09678418f));
    p = _mm256_fmadd_ps(p, t, set1(0.37409196f));
    p = _mm256_fmadd_ps(p, t, set1(1.00002368f));
    p = _mm256_fmadd_ps(p, t, set1(-1.26551223f));
    __m256 r = _mm256_sub_ps(set1(1.0f), _mm256_mul_ps(t, exp256(_mm256_fnmadd_ps(z, z, p))));
    return _mm256_blendv_ps(r, _mm256_sub_ps(_mm256_setzero_ps(), r), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

AVX2 static inline __m256 gelu256(__m256 x, int tanh_approx) {
    __m256 half = _mm256_mul_ps(set1(0.5f), x);
    if (tanh_approx) {
        __m256 u = _mm256_mul_ps(set1(0.7978845608028654f), _mm256_fmadd_ps(_mm256_mul_ps(set1(0.044715f), x), _mm256_mul_ps(x, x), x));
        return _mm256_fmadd_ps(half, tanh256(u), half);
    }
    return _mm256_fmadd_ps(half, erf256(_mm256_mul_ps(x, set1(0.7071067811865476f))), half);
}

AVX2 static inline __m256 gelu_grad256(__m256 x, int tanh_approx) {
    __m256 x2 = _mm256_mul_ps(x, x);
    if (tanh_approx) {
        __m256 u = _mm256_mul_ps(set1(0.7978845608028654f), _mm256_fmadd_ps(_mm256_mul_ps(set1(0.044715f), x), x2, x));
        __m256 t = tanh256(u);
        __m256 du = _mm256_mul_ps(set1(0.7978845608028654f), _mm256_fmadd_ps(set1(3.0f * 0.044715f), x2, set1(1.0f)));
        __m256 sech2 = _mm256_fnmadd_ps(t, t, set1(1.0f));
        __m256 left = _mm256_mul_ps(set1(0.5f), _mm256_add_ps(set1(1.0f), t));
        return _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(set1(0.5f), x), sech2), du, left);
    }
    __m256 cdf = _mm256_mul_ps(set1(0.5f), _mm256_add_ps(set1(1.0f), erf256(_mm256_mul_ps(x, set1(0.7071067811865476f)))));
    __m256 pdf = _mm256_mul_ps(exp256(_mm256_mul_ps(set1(-0.5f), x2)), set1(0.3989422804014327f));
    return _mm256_fmadd_ps(x, pdf, cdf);
}

AVX2 static inline __attribute__((always_inline)) __m256 unary256(int op, __m256 v, __m256 g, float shift) {
    __m256 s;
    switch (op) {
    case CSTRATA_SILU_FWD: return _mm256_mul_ps(v, sig256(v));
    case CSTRATA_SILU_BWD:
        s = sig256(v);
        return _mm256_mul_ps(_mm256_mul_ps(g, s), _mm256_fmadd_ps(v, _mm256_sub_ps(set1(1.0f), s), set1(1.0f)));
    case CSTRATA_SIGMOID_FWD: return sig256(v);
    case CSTRATA_SIGMOID_BWD: return _mm256_mul_ps(_mm256_mul_ps(g, v), _mm256_sub_ps(set1(1.0f), v));
    case CSTRATA_GELU_ERF_FWD: return gelu256(v, 0);
    case CSTRATA_GELU_ERF_BWD: return _mm256_mul_ps(g, gelu_grad256(v, 0));
    case CSTRATA_GELU_TANH_FWD: return gelu256(v, 1);
    case CSTRATA_GELU_TANH_BWD: return _mm256_mul_ps(g, gelu_grad256(v, 1));
    case CSTRATA_QUICK_GELU_FWD: return _mm256_mul_ps(v, sig256(_mm256_mul_ps(set1(1.702f), v)));
    case CSTRATA_QUICK_GELU_BWD:
        s = sig256(_mm256_mul_ps(set1(1.702f), v));
        return _mm256_mul_ps(g, _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(set1(1.702f), v), s), _mm256_sub_ps(set1(1.0f), s), s));
    case CSTRATA_EXP_SHIFTED: return exp256(_mm256_sub_ps(v, set1(shift)));
    }
    return v;
}

// One loop per operation (the switch below hands each a constant `op`, so unary256's
// own switch folds away): with the switch inside the loop, unary256 was not inlined and
// cost a call per 8 values.
AVX2 static inline __attribute__((always_inline)) void unary_loop(int op, const float *x, const float *g, float *out, long n,
                                                                  int needs_g, float shift) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 gv = needs_g ? _mm256_loadu_ps(g + i) : v;
        _mm256_storeu_ps(out + i, unary256(op, v, gv, shift));
    }
    if (i < n) {
        __m256i m = cstrata_tail8(n - i);
        __m256 v = _mm256_maskload_ps(x + i, m);
        __m256 gv = needs_g ? _mm256_maskload_ps(g + i, m) : v;
        _mm256_maskstore_ps(out + i, m, unary256(op, v, gv, shift));
    }
}

AVX2 void cstrata_unary_avx2(int op, const float *x, const float *g, float *out, long n) {
    switch (op) {
    case CSTRATA_SILU_FWD: unary_loop(CSTRATA_SILU_FWD, x, g, out, n, 0, 0); return;
    case CSTRATA_SILU_BWD: unary_loop(CSTRATA_SILU_BWD, x, g, out, n, 1, 0); return;
    case CSTRATA_SIGMOID_FWD: unary_loop(CSTRATA_SIGMOID_FWD, x, g, out, n, 0, 0); return;
    case CSTRATA_SIGMOID_BWD: unary_loop(CSTRATA_SIGMOID_BWD, x, g, out, n, 1, 0); return;
    case CSTRATA_GELU_ERF_FWD: unary_loop(CSTRATA_GELU_ERF_FWD, x, g, out, n, 0, 0); return;
    case CSTRATA_GELU_ERF_BWD: unary_loop(CSTRATA_GELU_ERF_BWD, x, g, out, n, 1, 0); return;
    case CSTRATA_GELU_TANH_FWD: unary_loop(CSTRATA_GELU_TANH_FWD, x, g, out, n, 0, 0); return;
    case CSTRATA_GELU_TANH_BWD: unary_loop(CSTRATA_GELU_TANH_BWD, x, g, out, n, 1, 0); return;
    case CSTRATA_QUICK_GELU_FWD: unary_loop(CSTRATA_QUICK_GELU_FWD, x, g, out, n, 0, 0); return;
    case CSTRATA_QUICK_GELU_BWD: unary_loop(CSTRATA_QUICK_GELU_BWD, x, g, out, n, 1, 0); return;
    case CSTRATA_EXP_SHIFTED: unary_loop(CSTRATA_EXP_SHIFTED, x, g, out, n, 0, g[0]); return;
    }
    unary_loop(op, x, g, out, n, 0, 0);
}

AVX2 void cstrata_geglu_fwd_avx2(const float *x, float *y, long rows, long d) {
    for (long r = 0; r < rows; r++) {
        const float *h = x + r * 2 * d, *gate = h + d;
        float *o = y + r * d;
        for (long j = 0; j < d; j += 8) {
            __m256i m = cstrata_tail8(d - j);
            _mm256_maskstore_ps(o + j, m, _mm256_mul_ps(_mm256_maskload_ps(h + j, m), gelu256(_mm256_maskload_ps(gate + j, m), 0)));
        }
    }
}

AVX2 void cstrata_geglu_bwd_avx2(const float *x, const float *g, float *dx, long rows, long d) {
    for (long r = 0; r < rows; r++) {
        const float *h = x + r * 2 * d, *gate = h + d, *gr = g + r * d;
        float *dh = dx + r * 2 * d, *dgate = dh + d;
        for (long j = 0; j < d; j += 8) {
            __m256i m = cstrata_tail8(d - j);
            __m256 hv = _mm256_maskload_ps(h + j, m), gv = _mm256_maskload_ps(gate + j, m), up = _mm256_maskload_ps(gr + j, m);
            _mm256_maskstore_ps(dh + j, m, _mm256_mul_ps(up, gelu256(gv, 0)));
            _mm256_maskstore_ps(dgate + j, m, _mm256_mul_ps(_mm256_mul_ps(up, hv), gelu_grad256(gv, 0)));
        }
    }
}

AVX2 static inline float hmax256(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// exp(x - max) in place; returns the max, stores the sum of the exponentials.
AVX2 float cstrata_exp_row_avx2(float *row, long n, float *sum) {
    __m256 mv = set1(-INFINITY);
    long i = 0;
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(row + i));
    float m = hmax256(mv);
    for (long j = i; j < n; j++) m = row[j] > m ? row[j] : m;
    if (m == -INFINITY) { for (long j = 0; j < n; j++) row[j] = 0; *sum = 0; return -INFINITY; }
    __m256 sv = _mm256_setzero_ps(), mm = set1(m);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + i), mm));
        _mm256_storeu_ps(row + i, e);
        sv = _mm256_add_ps(sv, e);
    }
    if (i < n) {
        __m256i k = cstrata_tail8(n - i);
        __m256 e = _mm256_and_ps(exp256(_mm256_sub_ps(_mm256_maskload_ps(row + i, k), mm)), _mm256_castsi256_ps(k));
        _mm256_maskstore_ps(row + i, k, e);
        sv = _mm256_add_ps(sv, e);
    }
    *sum = hsum256(sv);
    return m;
}

AVX2 void cstrata_scale_avx2(float *row, long n, float f) {
    __m256 v = set1(f);
    long i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), v));
    for (; i < n; i++) row[i] *= f;
}

AVX2 void cstrata_softmax_grad_avx2(const float *p, float *dp, long n, float delta) {
    __m256 d = set1(delta);
    for (long j = 0; j < n; j += 8) {
        __m256i m = cstrata_tail8(n - j);
        __m256 pv = _mm256_maskload_ps(p + j, m), dv = _mm256_maskload_ps(dp + j, m);
        _mm256_maskstore_ps(dp + j, m, _mm256_mul_ps(pv, _mm256_sub_ps(dv, d)));
    }
}

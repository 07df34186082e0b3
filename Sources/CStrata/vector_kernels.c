// Element-wise kernels that need exp, erf or tanh: SiLU, sigmoid, GELU, GEGLU,
// softmax rows. Written in C because Swift cannot: Swift has no way to compile one
// function for AVX-512 and pick it at run time, and its SIMD16 min/max/select lower to
// per-lane scalar loops (seen in the generated assembly; SiLU ran at 10 ns a value).
// Each kernel has an AVX-512 path, an AVX2 path (vector_kernels_avx2.c) and a scalar
// reference path over libm; the tests run them all and compare them.
#include "CStrata.h"
#include "kernels_avx2.h"
#include <immintrin.h>
#include <math.h>

// ---------------------------------------------------------------- scalar reference

static inline float sig_s(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline float gelu_s(float x, int tanh_approx) {
    if (tanh_approx) return 0.5f * x * (1.0f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    return 0.5f * x * (1.0f + erff(x * 0.7071067811865476f));
}
static inline float gelu_grad_s(float x, int tanh_approx) {
    if (tanh_approx) {
        float t = tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x));
        return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * 0.7978845608028654f * (1.0f + 3.0f * 0.044715f * x * x);
    }
    return 0.5f * (1.0f + erff(x * 0.7071067811865476f)) + x * expf(-0.5f * x * x) * 0.3989422804014327f;
}

static void unary_ref(int op, const float *x, const float *g, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i], s;
        switch (op) {
        case CSTRATA_SILU_FWD: out[i] = v * sig_s(v); break;
        case CSTRATA_SILU_BWD: s = sig_s(v); out[i] = g[i] * s * (1.0f + v * (1.0f - s)); break;
        case CSTRATA_SIGMOID_FWD: out[i] = sig_s(v); break;
        case CSTRATA_SIGMOID_BWD: out[i] = g[i] * v * (1.0f - v); break;  // x holds the output
        case CSTRATA_GELU_ERF_FWD: out[i] = gelu_s(v, 0); break;
        case CSTRATA_GELU_ERF_BWD: out[i] = g[i] * gelu_grad_s(v, 0); break;
        case CSTRATA_GELU_TANH_FWD: out[i] = gelu_s(v, 1); break;
        case CSTRATA_GELU_TANH_BWD: out[i] = g[i] * gelu_grad_s(v, 1); break;
        case CSTRATA_QUICK_GELU_FWD: out[i] = v * sig_s(1.702f * v); break;
        case CSTRATA_QUICK_GELU_BWD: s = sig_s(1.702f * v); out[i] = g[i] * (s + 1.702f * v * s * (1.0f - s)); break;
        case CSTRATA_EXP_SHIFTED: out[i] = expf(v - g[0]); break;
        }
    }
}

// ---------------------------------------------------------------- AVX-512

#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __m512 set1(float v) { return _mm512_set1_ps(v); }

// e^x: Cody-Waite reduction x = n ln2 + r, Cephes' degree-6 polynomial, 2^n by scalef.
AVX512 static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, set1(-87.3f)), set1(88.7f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    __m512 p = set1(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, set1(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, set1(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, set1(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, set1(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, set1(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, set1(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// 1/d by the 14-bit reciprocal estimate and one Newton step (relative error ~1e-8 after
// the step), cheaper than a division on 512-bit registers.
AVX512 static inline __m512 recip512(__m512 d) {
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, set1(2.0f)));
}

AVX512 static inline __m512 sig512(__m512 x) {
    return recip512(_mm512_add_ps(set1(1.0f), exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

AVX512 static inline __m512 abs512(__m512 x) { return _mm512_abs_ps(x); }

// tanh = 1 − 2/(e^{2x}+1); a short series near 0 keeps relative accuracy there.
AVX512 static inline __m512 tanh512(__m512 x) {
    __m512 e = exp512(_mm512_add_ps(x, x));
    __m512 big = _mm512_sub_ps(set1(1.0f), _mm512_div_ps(set1(2.0f), _mm512_add_ps(e, set1(1.0f))));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 q = _mm512_fmadd_ps(x2, set1(-17.0f / 315.0f), set1(2.0f / 15.0f));
    q = _mm512_fmadd_ps(q, x2, set1(-1.0f / 3.0f));
    q = _mm512_fmadd_ps(q, x2, set1(1.0f));
    __m512 small = _mm512_mul_ps(x, q);
    __mmask16 near0 = _mm512_cmp_ps_mask(abs512(x), set1(0.125f), _CMP_LT_OQ);
    return _mm512_mask_blend_ps(near0, big, small);
}

// erf from Numerical Recipes' erfcc (fractional error below 1.2e-7).
AVX512 static inline __m512 erf512(__m512 x) {
    __m512 z = abs512(x);
    __m512 t = _mm512_div_ps(set1(1.0f), _mm512_fmadd_ps(set1(0.5f), z, set1(1.0f)));
    __m512 p = set1(0.17087277f);
    p = _mm512_fmadd_ps(p, t, set1(-0.82215223f));
    p = _mm512_fmadd_ps(p, t, set1(1.48851587f));
    p = _mm512_fmadd_ps(p, t, set1(-1.13520398f));
    p = _mm512_fmadd_ps(p, t, set1(0.27886807f));
    p = _mm512_fmadd_ps(p, t, set1(-0.18628806f));
    p = _mm512_fmadd_ps(p, t, set1(0.09678418f));
    p = _mm512_fmadd_ps(p, t, set1(0.37409196f));
    p = _mm512_fmadd_ps(p, t, set1(1.00002368f));
    p = _mm512_fmadd_ps(p, t, set1(-1.26551223f));
    __m512 erfc = _mm512_mul_ps(t, exp512(_mm512_fnmadd_ps(z, z, p)));
    __m512 r = _mm512_sub_ps(set1(1.0f), erfc);
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_sub_ps(r, neg, _mm512_setzero_ps(), r);
}

AVX512 static inline __m512 gelu512(__m512 x, int tanh_approx) {
    __m512 half = _mm512_mul_ps(set1(0.5f), x);
    if (tanh_approx) {
        __m512 u = _mm512_mul_ps(set1(0.7978845608028654f), _mm512_fmadd_ps(_mm512_mul_ps(set1(0.044715f), x), _mm512_mul_ps(x, x), x));
        return _mm512_fmadd_ps(half, tanh512(u), half);
    }
    return _mm512_fmadd_ps(half, erf512(_mm512_mul_ps(x, set1(0.7071067811865476f))), half);
}

AVX512 static inline __m512 gelu_grad512(__m512 x, int tanh_approx) {
    __m512 x2 = _mm512_mul_ps(x, x);
    if (tanh_approx) {
        __m512 u = _mm512_mul_ps(set1(0.7978845608028654f), _mm512_fmadd_ps(_mm512_mul_ps(set1(0.044715f), x), x2, x));
        __m512 t = tanh512(u);
        __m512 du = _mm512_mul_ps(set1(0.7978845608028654f), _mm512_fmadd_ps(set1(3.0f * 0.044715f), x2, set1(1.0f)));
        __m512 sech2 = _mm512_fnmadd_ps(t, t, set1(1.0f));
        __m512 left = _mm512_mul_ps(set1(0.5f), _mm512_add_ps(set1(1.0f), t));
        return _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(set1(0.5f), x), sech2), du, left);
    }
    __m512 cdf = _mm512_mul_ps(set1(0.5f), _mm512_add_ps(set1(1.0f), erf512(_mm512_mul_ps(x, set1(0.7071067811865476f)))));
    __m512 pdf = _mm512_mul_ps(exp512(_mm512_mul_ps(set1(-0.5f), x2)), set1(0.3989422804014327f));
    return _mm512_fmadd_ps(x, pdf, cdf);
}

AVX512 static inline __m512 unary512(int op, __m512 v, __m512 g, float shift) {
    __m512 s;
    switch (op) {
    case CSTRATA_SILU_FWD: return _mm512_mul_ps(v, sig512(v));
    case CSTRATA_SILU_BWD:
        s = sig512(v);
        return _mm512_mul_ps(_mm512_mul_ps(g, s), _mm512_fmadd_ps(v, _mm512_sub_ps(set1(1.0f), s), set1(1.0f)));
    case CSTRATA_SIGMOID_FWD: return sig512(v);
    case CSTRATA_SIGMOID_BWD: return _mm512_mul_ps(_mm512_mul_ps(g, v), _mm512_sub_ps(set1(1.0f), v));
    case CSTRATA_GELU_ERF_FWD: return gelu512(v, 0);
    case CSTRATA_GELU_ERF_BWD: return _mm512_mul_ps(g, gelu_grad512(v, 0));
    case CSTRATA_GELU_TANH_FWD: return gelu512(v, 1);
    case CSTRATA_GELU_TANH_BWD: return _mm512_mul_ps(g, gelu_grad512(v, 1));
    case CSTRATA_QUICK_GELU_FWD: return _mm512_mul_ps(v, sig512(_mm512_mul_ps(set1(1.702f), v)));
    case CSTRATA_QUICK_GELU_BWD:
        s = sig512(_mm512_mul_ps(set1(1.702f), v));
        return _mm512_mul_ps(g, _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(set1(1.702f), v), s), _mm512_sub_ps(set1(1.0f), s), s));
    case CSTRATA_EXP_SHIFTED: return exp512(_mm512_sub_ps(v, set1(shift)));
    }
    return v;
}

AVX512 static void unary_avx512(int op, const float *x, const float *g, float *out, long n) {
    float shift = op == CSTRATA_EXP_SHIFTED ? g[0] : 0.0f;
    int needs_g = op == CSTRATA_SILU_BWD || op == CSTRATA_SIGMOID_BWD || op == CSTRATA_GELU_ERF_BWD ||
                  op == CSTRATA_GELU_TANH_BWD || op == CSTRATA_QUICK_GELU_BWD;
    long i = 0;
    // One switch per call, not per vector: the compiler unswitches the loop on `op`.
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512 gv = needs_g ? _mm512_loadu_ps(g + i) : v;
        _mm512_storeu_ps(out + i, unary512(op, v, gv, shift));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 gv = needs_g ? _mm512_maskz_loadu_ps(m, g + i) : v;
        _mm512_mask_storeu_ps(out + i, m, unary512(op, v, gv, shift));
    }
}

// ---------------------------------------------------------------- entry points

static inline int use_avx512(int isa) { return cstrata_isa_path(isa) == CSTRATA_PATH_AVX512; }
static inline int use_avx2(int isa) { return cstrata_isa_path(isa) == CSTRATA_PATH_AVX2; }

void cstrata_unary(int op, int isa, const float *x, const float *g, float *out, long n) {
    if (use_avx512(isa)) unary_avx512(op, x, g, out, n);
    else if (use_avx2(isa)) cstrata_unary_avx2(op, x, g, out, n);
    else unary_ref(op, x, g, out, n);
}

AVX512 static void geglu_fwd_avx512(const float *x, float *y, long rows, long d) {
    for (long r = 0; r < rows; r++) {
        const float *h = x + r * 2 * d, *gate = h + d;
        float *o = y + r * d;
        long j = 0;
        for (; j + 16 <= d; j += 16)
            _mm512_storeu_ps(o + j, _mm512_mul_ps(_mm512_loadu_ps(h + j), gelu512(_mm512_loadu_ps(gate + j), 0)));
        if (j < d) {
            __mmask16 m = (__mmask16)((1u << (d - j)) - 1);
            _mm512_mask_storeu_ps(o + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, h + j), gelu512(_mm512_maskz_loadu_ps(m, gate + j), 0)));
        }
    }
}

AVX512 static void geglu_bwd_avx512(const float *x, const float *g, float *dx, long rows, long d) {
    for (long r = 0; r < rows; r++) {
        const float *h = x + r * 2 * d, *gate = h + d, *gr = g + r * d;
        float *dh = dx + r * 2 * d, *dgate = dh + d;
        for (long j = 0; j < d; j += 16) {
            __mmask16 m = d - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (d - j)) - 1);
            __m512 hv = _mm512_maskz_loadu_ps(m, h + j), gv = _mm512_maskz_loadu_ps(m, gate + j), up = _mm512_maskz_loadu_ps(m, gr + j);
            _mm512_mask_storeu_ps(dh + j, m, _mm512_mul_ps(up, gelu512(gv, 0)));
            _mm512_mask_storeu_ps(dgate + j, m, _mm512_mul_ps(_mm512_mul_ps(up, hv), gelu_grad512(gv, 0)));
        }
    }
}

void cstrata_geglu_fwd(int isa, const float *x, float *y, long rows, long d) {
    if (use_avx512(isa)) { geglu_fwd_avx512(x, y, rows, d); return; }
    if (use_avx2(isa)) { cstrata_geglu_fwd_avx2(x, y, rows, d); return; }
    for (long r = 0; r < rows; r++)
        for (long j = 0; j < d; j++) y[r * d + j] = x[r * 2 * d + j] * gelu_s(x[r * 2 * d + d + j], 0);
}

void cstrata_geglu_bwd(int isa, const float *x, const float *g, float *dx, long rows, long d) {
    if (use_avx512(isa)) { geglu_bwd_avx512(x, g, dx, rows, d); return; }
    if (use_avx2(isa)) { cstrata_geglu_bwd_avx2(x, g, dx, rows, d); return; }
    for (long r = 0; r < rows; r++)
        for (long j = 0; j < d; j++) {
            float h = x[r * 2 * d + j], gate = x[r * 2 * d + d + j], up = g[r * d + j];
            dx[r * 2 * d + j] = up * gelu_s(gate, 0);
            dx[r * 2 * d + d + j] = up * h * gelu_grad_s(gate, 0);
        }
}

// exp(x - max) in place; returns the max, stores the sum of the exponentials.
AVX512 static float exp_row_avx512(float *row, long n, float *sum) {
    __m512 mv = set1(-INFINITY);
    long i = 0;
    for (; i + 16 <= n; i += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(row + i));
    float m = _mm512_reduce_max_ps(mv);
    for (long j = i; j < n; j++) m = row[j] > m ? row[j] : m;
    if (m == -INFINITY) { for (long j = 0; j < n; j++) row[j] = 0; *sum = 0; return -INFINITY; }
    __m512 sv = _mm512_setzero_ps(), mm = set1(m);
    for (i = 0; i + 16 <= n; i += 16) {
        __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(row + i), mm));
        _mm512_storeu_ps(row + i, e);
        sv = _mm512_add_ps(sv, e);
    }
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + i), mm));
        e = _mm512_maskz_mov_ps(k, e);
        _mm512_mask_storeu_ps(row + i, k, e);
        sv = _mm512_add_ps(sv, e);
    }
    *sum = _mm512_reduce_add_ps(sv);
    return m;
}

AVX512 static void scale_avx512(float *row, long n, float f) {
    __m512 v = set1(f);
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(row + i, _mm512_mul_ps(_mm512_loadu_ps(row + i), v));
    for (; i < n; i++) row[i] *= f;
}

static float exp_row_ref(float *row, long n, float *sum) {
    float m = -INFINITY;
    for (long j = 0; j < n; j++) m = row[j] > m ? row[j] : m;
    if (m == -INFINITY) { for (long j = 0; j < n; j++) row[j] = 0; *sum = 0; return -INFINITY; }
    double s = 0;
    for (long j = 0; j < n; j++) { row[j] = expf(row[j] - m); s += row[j]; }
    *sum = (float)s;
    return m;
}

float cstrata_softmax_row_unscaled(int isa, float *row, long n, float *scale) {
    float s;
    float m = use_avx512(isa) ? exp_row_avx512(row, n, &s) : use_avx2(isa) ? cstrata_exp_row_avx2(row, n, &s) : exp_row_ref(row, n, &s);
    if (m == -INFINITY) { *scale = 0; return -INFINITY; }
    *scale = 1.0f / s;
    return m + logf(s);
}

float cstrata_softmax_row(int isa, float *row, long n) {
    float scale;
    float lse = cstrata_softmax_row_unscaled(isa, row, n, &scale);
    if (lse == -INFINITY) return lse;
    if (use_avx512(isa)) scale_avx512(row, n, scale);
    else if (use_avx2(isa)) cstrata_scale_avx2(row, n, scale);
    else for (long j = 0; j < n; j++) row[j] *= scale;
    return lse;
}

AVX512 static void softmax_grad_avx512(const float *p, float *dp, long n, float delta) {
    __m512 d = set1(delta);
    for (long j = 0; j < n; j += 16) {
        __mmask16 m = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
        __m512 pv = _mm512_maskz_loadu_ps(m, p + j), dv = _mm512_maskz_loadu_ps(m, dp + j);
        _mm512_mask_storeu_ps(dp + j, m, _mm512_mul_ps(pv, _mm512_sub_ps(dv, d)));
    }
}

void cstrata_softmax_grad_row(int isa, const float *p, float *dp, long n, float delta) {
    if (use_avx512(isa)) { softmax_grad_avx512(p, dp, n, delta); return; }
    if (use_avx2(isa)) { cstrata_softmax_grad_avx2(p, dp, n, delta); return; }
    for (long j = 0; j < n; j++) dp[j] = p[j] * (dp[j] - delta);
}

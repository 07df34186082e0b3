// C shim for Strata: exposes OpenBLAS's cblas and libpng to Swift.
#ifndef CSTRATA_H
#define CSTRATA_H
#include <cblas.h>
#include <png.h>
#include <stdint.h>

/// The CPU features Strata's kernels branch on, read with cpuid at run time.
int cstrata_has_avx512f(void);
int cstrata_has_avx512bf16(void);
int cstrata_has_avx2_fma(void);

/// Element-wise operations of cstrata_unary. Backward ops take the forward input in x
/// (SIGMOID_BWD takes the forward output) and the upstream gradient in g.
/// EXP_SHIFTED computes exp(x - g[0]).
enum {
    CSTRATA_SILU_FWD, CSTRATA_SILU_BWD, CSTRATA_SIGMOID_FWD, CSTRATA_SIGMOID_BWD,
    CSTRATA_GELU_ERF_FWD, CSTRATA_GELU_ERF_BWD, CSTRATA_GELU_TANH_FWD, CSTRATA_GELU_TANH_BWD,
    CSTRATA_QUICK_GELU_FWD, CSTRATA_QUICK_GELU_BWD, CSTRATA_EXP_SHIFTED
};
/// Instruction set choice: the scalar libm reference, the best the CPU has, or AVX2 at
/// most (so that the AVX2 paths are tested on CPUs that also have AVX-512).
enum { CSTRATA_ISA_REFERENCE = 0, CSTRATA_ISA_BEST = 1, CSTRATA_ISA_AVX2 = 2 };
/// The code path a choice takes on this CPU.
enum { CSTRATA_PATH_SCALAR = 0, CSTRATA_PATH_AVX2 = 1, CSTRATA_PATH_AVX512 = 2 };
int cstrata_isa_path(int isa);

void cstrata_unary(int op, int isa, const float *x, const float *g, float *out, long n);
void cstrata_geglu_fwd(int isa, const float *x, float *y, long rows, long d);
void cstrata_geglu_bwd(int isa, const float *x, const float *g, float *dx, long rows, long d);
/// Softmax of one row in place; returns its log-sum-exp (-inf for a fully masked row, left as zeros).
float cstrata_softmax_row(int isa, float *row, long n);
/// exp(x − max) in place, not yet divided by its sum; returns the log-sum-exp and stores
/// the factor (1/sum) that finishes the softmax (0 for a fully masked row).
float cstrata_softmax_row_unscaled(int isa, float *row, long n, float *scale);
/// dp = p * (dp - delta), the softmax backward for one row.
void cstrata_softmax_grad_row(int isa, const float *p, float *dp, long n, float delta);

/// S[i][j] = scale · Σ_t q[i][t]·kt[t][j] for `rows` query rows of width d against keys
/// given transposed (kt is [d × keys]); rows of S are `lds` apart.
void cstrata_attention_scores(int isa, const float *q, long rows, long d, const float *kt, long keys, float scale,
                              float *s, long lds);
/// O[i][c] (+)= alpha · Σ_j P(i, j)·v[j][c] for v [inner × width], where
/// P(i, j) = p[i·row_stride + j·inner_stride] (so P or Pᵀ); rows of O are `ldo` apart.
void cstrata_attention_values(int isa, const float *p, long rows, long row_stride, long inner_stride,
                              const float *v, long inner, long width, float *o, long ldo, float alpha, int accumulate);

/// One Adam step's constants: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², then
/// p ← p·decay − step_size·m / (√v / bias2_root + eps).
typedef struct { float beta1, beta2, bias2_root, eps, decay, step_size; } CStrataAdamStep;
void cstrata_adam_update(int isa, float *p, const float *g, float *m, float *v, long n, const CStrataAdamStep *s);

/// Writes an 8-bit PNG (1, 3 or 4 channels) with text chunks: tEXt where utf8[i] is 0
/// (values in Latin-1), iTXt where it is 1. Returns 0 on success.
int cstrata_png_write(const char *path, int width, int height, int channels, const unsigned char *pixels,
                      int text_count, const char **keys, const char **values, const int *utf8);
/// Reads a PNG as 8-bit RGBA and its text chunks (tEXt, zTXt, iTXt); free with cstrata_png_free.
/// Returns 0 on success, 1 unreadable, 5 not a PNG, 3 corrupt, 6 more than max_pixels
/// (then width and height hold the header's size).
int cstrata_png_read(const char *path, long long max_pixels, int *width, int *height, unsigned char **pixels,
                     int *text_count, char ***keys, char ***values);
void cstrata_png_free(unsigned char *pixels, int text_count, char **keys, char **values);

/// Swaps two paths atomically (renameat2 with RENAME_EXCHANGE); 0, or the errno.
int cstrata_exchange_paths(const char *a, const char *b);

#endif

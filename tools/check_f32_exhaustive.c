/* Exhaustive float32 ULP check of every elementwise activation's float32 loops (_ops.UNARY),
 * in both accuracy modes: the forward, the backward from the input and, for sigmoid and tanh,
 * the backward from the output, each through the loop the library dispatches
 * (al_unary_loop(kind, op, 0) of al_loops.h: kinds 0-2 accurate, 3-5 fast), against references
 * written here from the mathematical definitions with libm (double; long double where a double
 * reference would cancel), never with the library's own code.
 *
 * Build (renders the al_*.h into build/generated), then compile with setup.py's flags for the
 * ISA level (setup.py's common flags, _ops.ISA_LEVELS' -m flags, AL_ISA as the ISA unit sets it):
 *
 *   python setup.py build_ext --inplace
 *   F="-O3 -ffp-contract=off -fno-trapping-math -fopenmp-simd -Ibuild/generated -Isrc/actloss/_kernels"
 *   # AVX-512
 *   gcc $F -mavx512f -mavx512dq -mavx512vl -mavx512bw -mavx2 -mfma -mprefer-vector-width=512 \
 *       -DAL_ISA=avx512 tools/check_f32_exhaustive.c -o /tmp/check_f32_exhaustive -lm
 *   # AVX2
 *   gcc $F -mavx2 -mfma -DAL_ISA=avx2 tools/check_f32_exhaustive.c -o /tmp/check_f32_avx2 -lm
 *   # baseline (no FMA: every float32 loop runs its double-lane kernel; fast mode = accurate)
 *   gcc $F -DAL_ISA=baseline tools/check_f32_exhaustive.c -o /tmp/check_f32_baseline -lm
 *
 *   nice -n 10 /tmp/check_f32_exhaustive [step [names [kinds]]]
 *     step   1 (default): every float32 bit pattern; n > 1: every n-th pattern
 *     names  "=softplus(beta=1,threshold=20)": exactly that check (the whole argument is the
 *            name); otherwise comma-separated prefixes ("elu,selu": the checks whose name
 *            starts so); "" or "all": every check; "list" prints the names
 *     kinds  comma-separated among fwd, bwd, bwdo (default all three)
 *
 * No -fopenmp: the library compiles with -fopenmp-simd alone, under which _OPENMP is undefined
 * and al_loops.h's AL_SIMD is empty; -fopenmp would compile the loops differently. The checker
 * is single-threaded; run one process per core you can spare. At step 1, 12 s (a select op's
 * forward) to 145 s (mish's backward) per check and kind on one core; all 30 checks ~35 min.
 *
 * First full run (2026-12-05, AVX-512; results and findings in the issue-12 notes): every
 * forward within its bound in both modes, no NaN/inf mismatch; above 1 ULP, backward kernels
 * of tanh, gelu_tanh, silu, hardswish (by orders of magnitude), gelu near its zero, and by
 * double rounding sigmoid (also from the output), tanhshrink, elu/selu, softplus, logsigmoid.
 * After those kernels were rewritten (derivative pairs, one rounding with grad_output,
 * polynomials about the derivatives' zeros), every backward check is within 1 ULP: AVX-512 at
 * every pattern (max 0.93 ULP from the input, softplus beta 0.7 with grad_output -3.1; 0.50 from
 * the output; 1.00 for tanhshrink' where the result is subnormal), AVX2 at every 2nd.
 *
 * What is compared. Forward: every pattern x. Backward from the input: every x with
 * grad_output 1 and, in the same sweep, grad_output -3.1f (not a power of two, negative: the
 * product by grad_output is a rounding the kernel must not add to the derivative's); the
 * reference is grad_output * f'(x) (in double). Backward from the output
 * (sigmoid, tanh): every pattern y in the function's range ([+0, 1] for sigmoid, [-1, 1] with
 * both zeros for tanh), reference grad_output * f' expressed in y (y (1 - y), 1 - y^2: torch's
 * formulas). Fast mode runs al_unary_loop(kind + 3, ...); where that is the accurate loop
 * itself (every op/kind outside _ops.FAST) the result line says "fast = accurate" instead of
 * running it again.
 *
 * Conventions of the references (torch's, and the library's documented limits):
 *  - subgradients at kinks as torch: relu' = 0 at 0; relu6/hardtanh' = 0 at both bounds;
 *    leaky_relu' = slope at 0; elu/celu/selu take the exponential branch at 0 (alpha, 1,
 *    scale alpha); hardsigmoid' = 1/6 strictly inside (-3, 3) else 0; hardswish' = 0 up to -3,
 *    x/3 + 1/2 strictly inside, 1 from 3 on (torch >= 2.7); hard/softshrink' = 0 on
 *    [-lambd, lambd]; threshold' = 0 where x <= threshold; softplus: where beta x > threshold
 *    (in float, as torch) the forward is x and the derivative 1.
 *  - NaN inputs: NaN out, except where torch's select passes grad_output through (relu,
 *    relu6, hardtanh, hardswish, hard/softshrink, threshold, elu, celu: grad_output; selu:
 *    scale * grad_output; leaky_relu: slope * grad_output; hardsigmoid: 0).
 *  - infinities: the limits (the library's documented conventions where torch gives NaN):
 *    gelu, gelu_tanh, silu, mish, hardswish at -inf give 0; softsign at +-inf gives +-1; the
 *    derivatives of gelu, gelu_tanh, silu, mish are 0 at -inf and 1 at +inf.
 *  - parameters: the select ops (leaky_relu, hardtanh, hardshrink, softshrink, threshold)
 *    compare and multiply with the parameter rounded to float32, as torch's float32 kernels
 *    do (and the library: (float)p0); the others use it as the double it is passed as.
 *
 * Measure (as in check_f32_lanes.c, which this replaces): |y - ref| in units of the float32
 * spacing at the reference value (2^-149 below 2^-126, ref = 0 included). A NaN/inf mismatch
 * (NaN where the reference is not, or the other way; inf where the reference is finite below
 * FLT_MAX + 1/2 ULP; a finite or wrong-signed y where it is beyond) is counted apart, with one
 * example, and left out of the maximum. Bounds: 1 ULP accurate, 4 ULP fast. Also printed: the
 * maximum over normal reference values only (what the fast mode promises).
 *
 * Output: one line per check, kind, mode and grad_output:
 *   R|name|kind|mode|grad_output|step|count|max_ulp|at_x|y|ref|max_ulp_normal|its_x|n_over_bound|
 *     n_nan_inf_mismatch|example_x|example_y|example_ref|seconds
 * (x, y, ref in %a); exit status 1 if any maximum is above its bound or any NaN/inf
 * differs, 2 if the checks do not match the dispatch table (an op added or moved).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "al_loops.h"

#ifndef AL_ISA
#define AL_ISA none
#endif

typedef long double LD;

/* ---- references: double, long double where a double would cancel; the result is returned as
 * a double (its rounding, 2^-29 of a float32 ULP, does not matter) ---------------------------- */

#define SELU_S 1.0507009873554804934193349852946
#define SELU_A 1.6732632423543772848170429916717
#define SELU_SA_L (1.05070098735548049341933498529460L * 1.67326324235437728481704299167170L)
#define SQRT1_2_L 0.707106781186547524400844362104849039L
#define INV_SQRT_2PI_L 0.398942280401432677939946059934381868L
#define SQRT_2_OVER_PI_L 0.797884560802865355879892119868763737L
#define GELU_KAPPA_L 0.044715L
#define F32P(v) ((double)(float)(v)) /* a select op's parameter, as torch's float32 kernels use it */

/* exp and erfc without libm's slow overflow/underflow paths (same results) */
static inline double exp_c(double t) { return t < -746 ? 0.0 : (t > 710 ? INFINITY : exp(t)); }
static inline double erfc_c(double t) { return t > 28 ? 0.0 : erfc(t); }

/* relu: max(x, 0), NaN stays NaN; ' = 0 at x <= 0, grad passes for NaN (torch: x <= 0 ? 0 : g) */
static inline double f_relu(double x, const double *p) { (void)p; return x != x ? x : (x > 0 ? x : 0); }
static inline double d_relu(double x, const double *p) { (void)p; return x <= 0 ? 0 : 1; }
static inline double f_relu6(double x, const double *p) { (void)p; return x != x ? x : (x < 0 ? 0 : (x > 6 ? 6 : x)); }
static inline double d_relu6(double x, const double *p) { (void)p; return (x <= 0 || x >= 6) ? 0 : 1; }
/* x times a float: exact in double */
static inline double f_leaky(double x, const double *p) { return x > 0 ? x : x * F32P(p[0]); }
static inline double d_leaky(double x, const double *p) { return x > 0 ? 1 : F32P(p[0]); }
/* alpha expm1(x), alpha exp_c(x); celu's x / alpha rounded costs |x / alpha| 1e-16 relative */
static inline double f_elu(double x, const double *p) { return x > 0 ? x : p[0] * expm1(x); }
static inline double d_elu(double x, const double *p) { return x <= 0 ? p[0] * exp_c(x) : 1; }
static inline double f_celu(double x, const double *p) { return x > 0 ? x : p[0] * expm1(x / p[0]); }
static inline double d_celu(double x, const double *p) { return x <= 0 ? exp_c(x / p[0]) : 1; }
static inline double f_selu(double x, const double *p)
{
    (void)p;
    return x > 0 ? SELU_S * x : (double)SELU_SA_L * expm1(x);
}
static inline double d_selu(double x, const double *p)
{
    (void)p;
    return x <= 0 ? (double)SELU_SA_L * exp_c(x) : SELU_S;
}

/* gelu = x Phi(x) = x erfc_c(-x / sqrt 2) / 2 (erfc's argument error 1e-16 relative costs 2t^2
 * times that: < 1e-13 where the float result is not 0); ' = Phi(x) + x phi(x), which has a
 * zero near -0.752: long double around it */
static inline double f_gelu(double x, const double *p)
{
    (void)p;
    if (x == -INFINITY) return -0.0;
    return 0.5 * x * erfc_c(-x * 0.70710678118654752440);
}
static inline double d_gelu(double x, const double *p)
{
    (void)p;
    if (isinf(x)) return x > 0 ? 1 : 0;
    if (x >= -1.0 && x <= -0.5) {
        LD xl = x;
        return (double)(0.5L * erfcl(-xl * SQRT1_2_L) + xl * expl(-0.5L * xl * xl) * INV_SQRT_2PI_L);
    }
    return 0.5 * erfc_c(-x * 0.70710678118654752440) + x * exp_c(-0.5 * x * x) * (double)INV_SQRT_2PI_L;
}

/* gelu tanh = x (1 + tanh(u)) / 2 = x sigmoid(2u), u = sqrt(2/pi)(x + kappa x^3); 2u in double
 * is within ~1e-13 absolute wherever the float result is neither 0 nor x. ' = s + 2 x s (1 - s)
 * u', s = sigmoid(2u), which has a zero near -0.75: long double around it */
static inline double f_gelu_tanh(double x, const double *p)
{
    (void)p;
    if (x == -INFINITY) return -0.0;
    double u = (double)SQRT_2_OVER_PI_L * (x + (double)GELU_KAPPA_L * x * x * x);
    return x / (1.0 + exp_c(-2.0 * u));
}
static inline double d_gelu_tanh(double x, const double *p)
{
    (void)p;
    if (isinf(x)) return x > 0 ? 1 : 0;
    if (x >= -1.3 && x <= -0.3) {
        LD xl = x, u = SQRT_2_OVER_PI_L * (xl + GELU_KAPPA_L * xl * xl * xl);
        LD du = SQRT_2_OVER_PI_L * (1.0L + 3.0L * GELU_KAPPA_L * xl * xl);
        LD s = 1.0L / (1.0L + expl(-2.0L * u)), sc = 1.0L / (1.0L + expl(2.0L * u));
        return (double)(s + 2.0L * xl * s * sc * du);
    }
    double u = (double)SQRT_2_OVER_PI_L * (x + (double)GELU_KAPPA_L * x * x * x);
    double du = (double)SQRT_2_OVER_PI_L * (1.0 + 3.0 * (double)GELU_KAPPA_L * x * x);
    double s = 1.0 / (1.0 + exp_c(-2.0 * u)), sc = 1.0 / (1.0 + exp_c(2.0 * u));
    return s + 2.0 * x * s * sc * du;
}

/* silu = x sigmoid(x); ' = s (1 + x (1 - s)), which has a zero near -1.2785 */
static inline double f_silu(double x, const double *p)
{
    (void)p;
    if (x == -INFINITY) return -0.0;
    return x / (1.0 + exp_c(-x));
}
static inline double d_silu(double x, const double *p)
{
    (void)p;
    if (isinf(x)) return x > 0 ? 1 : 0;
    if (x >= -1.7 && x <= -0.9) {
        LD xl = x, s = 1.0L / (1.0L + expl(-xl)), sc = 1.0L / (1.0L + expl(xl));
        return (double)(s * (1.0L + xl * sc));
    }
    double s = 1.0 / (1.0 + exp_c(-x)), sc = 1.0 / (1.0 + exp_c(x));
    return s * (1.0 + x * sc);
}

/* mish = x tanh(softplus(x)); ' = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)), which has
 * a zero near -1.19: long double around it */
static inline double softplus_d(double x) { return x > 0 ? x + log1p(exp_c(-x)) : log1p(exp_c(x)); }
static inline double f_mish(double x, const double *p)
{
    (void)p;
    if (x == -INFINITY) return -0.0;
    return x * tanh(softplus_d(x));
}
static inline double d_mish(double x, const double *p)
{
    (void)p;
    if (isinf(x)) return x > 0 ? 1 : 0;
    if (x >= -1.6 && x <= -0.8) {
        LD xl = x, sp = log1pl(expl(xl)), c = coshl(sp);
        return (double)(tanhl(sp) + xl / (1.0L + expl(-xl)) / (c * c));
    }
    double sp = softplus_d(x), c = sp > 700 ? INFINITY : cosh(sp);
    return tanh(sp) + x / (1.0 + exp_c(-x)) / c / c;
}

/* softplus = log(1 + exp_c(beta x)) / beta, x where beta x > threshold (p = beta, threshold);
 * ' = sigmoid(beta x), 1 where beta x > threshold. The branch is torch's: beta x compared in
 * float. z = beta x rounded to double: its 1e-16 relative error costs |z| 1e-16 where exp_c(z)
 * matters. */
static inline int softplus_linear(double x, const double *p)
{
    volatile float z = (float)x * (float)p[0];
    return z > (float)p[1];
}
static inline double f_softplus(double x, const double *p)
{
    double z = x * p[0];
    if (softplus_linear(x, p)) return x;
    return ((z > 0 ? z : 0.0) + log1p(exp_c(-fabs(z)))) / p[0];
}
static inline double d_softplus(double x, const double *p)
{
    double z = x * p[0];
    if (softplus_linear(x, p)) return 1;
    return 1.0 / (1.0 + exp_c(-z));
}

/* softsign = x / (1 + |x|) (+-1 at +-inf); ' = 1 / (1 + |x|)^2 */
static inline double f_softsign(double x, const double *p)
{
    (void)p;
    if (isinf(x)) return x > 0 ? 1 : -1;
    return x / (1.0 + fabs(x));
}
static inline double d_softsign(double x, const double *p) { (void)p; double d = 1.0 + fabs(x); return 1.0 / (d * d); }

/* sigmoid; ' = e / (1 + e)^2, e = exp_c(-|x|); from the output y (1 - y) */
static inline double f_sigmoid(double x, const double *p)
{
    (void)p;
    return x >= 0 ? 1.0 / (1.0 + exp_c(-x)) : exp_c(x) / (1.0 + exp_c(x));
}
static inline double d_sigmoid(double x, const double *p)
{
    (void)p;
    double e = exp_c(-fabs(x));
    return e / ((1.0 + e) * (1.0 + e));
}
static inline double dy_sigmoid(double y, const double *p) { (void)p; return (double)((LD)y * (1.0L - y)); }

/* tanh; ' = 4e / (1 + e)^2, e = exp_c(-2|x|); from the output 1 - y^2 (exact in long double) */
static inline double f_tanh(double x, const double *p) { (void)p; return tanh(x); }
static inline double d_tanh(double x, const double *p)
{
    (void)p;
    double e = exp_c(-2.0 * fabs(x));
    return 4.0 * e / ((1.0 + e) * (1.0 + e));
}
static inline double dy_tanh(double y, const double *p) { (void)p; return (double)(1.0L - (LD)y * y); }

/* logsigmoid = min(x, 0) - log1p(exp_c(-|x|)); ' = sigmoid(-x) */
static inline double f_logsigmoid(double x, const double *p)
{
    (void)p;
    return (x < 0 ? x : 0.0) - log1p(exp_c(-fabs(x)));
}
static inline double d_logsigmoid(double x, const double *p) { (void)p; return 1.0 / (1.0 + exp_c(x)); }

/* hardtanh(min_val, max_val) */
static inline double f_hardtanh(double x, const double *p)
{
    double lo = F32P(p[0]), hi = F32P(p[1]);
    return x != x ? x : (x < lo ? lo : (x > hi ? hi : x));
}
static inline double d_hardtanh(double x, const double *p) { return (x <= F32P(p[0]) || x >= F32P(p[1])) ? 0 : 1; }

/* hardsigmoid = clamp(x + 3, 0, 6) / 6; hardswish = x clamp(x + 3, 0, 6) / 6, whose
 * derivative x/3 + 1/2 vanishes at -1.5 (long double) */
static inline double f_hardsigmoid(double x, const double *p)
{
    (void)p;
    return x != x ? x : (x <= -3 ? 0 : (x >= 3 ? 1 : (x + 3) / 6));
}
static inline double d_hardsigmoid(double x, const double *p) { (void)p; return (x > -3 && x < 3) ? 1.0 / 6 : 0; }
static inline double f_hardswish(double x, const double *p)
{
    (void)p;
    return x != x ? x : (x <= -3 ? 0 : (x >= 3 ? x : (double)((LD)x * ((LD)x + 3) / 6)));
}
static inline double d_hardswish(double x, const double *p)
{
    (void)p;
    return x <= -3 ? 0 : (x < 3 ? (double)((LD)x / 3 + 0.5L) : 1);
}

/* hardshrink / softshrink(lambd); ' = 0 on [-lambd, lambd] */
static inline double f_hardshrink(double x, const double *p)
{
    double l = F32P(p[0]);
    return (x >= -l && x <= l) ? 0 : x;
}
static inline double d_shrink(double x, const double *p)
{
    double l = F32P(p[0]);
    return (x >= -l && x <= l) ? 0 : 1;
}
static inline double f_softshrink(double x, const double *p)
{
    double l = F32P(p[0]);
    return x > l ? x - l : (x < -l ? x + l : x * 0);
}

/* tanhshrink = x - tanh(x): the series below 2^-5 (truncation < 1e-17 relative); above, x -
 * tanh(x) in double cancels at most 3/x^2 ~ 3000-fold (7e-13 relative); ' = tanh^2 */
static inline double f_tanhshrink(double x, const double *p)
{
    (void)p;
    if (fabs(x) < 0x1p-5) {
        double u = x * x;
        return x * u * (1.0 / 3 - u * (2.0 / 15 - u * (17.0 / 315 - u * (62.0 / 2835
                                                    - u * (1382.0 / 155925)))));
    }
    return x - tanh(x);
}
static inline double d_tanhshrink(double x, const double *p) { (void)p; double t = tanh(x); return t * t; }

/* threshold(threshold, value) = x > threshold ? x : value */
static inline double f_threshold(double x, const double *p) { return x <= F32P(p[0]) ? F32P(p[1]) : x; }
static inline double d_threshold(double x, const double *p) { return x <= F32P(p[0]) ? 0 : 1; }

/* each reference over a block, so that the scalar function inlines */
typedef void (*ref_t)(const float *x, double *r, int n, const double *p);
#define BLOCK_REF(f) \
    static void f##_block(const float *x, double *r, int n, const double *p) \
    { for (int i = 0; i < n; i++) r[i] = f((double)x[i], p); }
BLOCK_REF(f_relu) BLOCK_REF(d_relu) BLOCK_REF(f_relu6) BLOCK_REF(d_relu6)
BLOCK_REF(f_leaky) BLOCK_REF(d_leaky) BLOCK_REF(f_elu) BLOCK_REF(d_elu)
BLOCK_REF(f_celu) BLOCK_REF(d_celu) BLOCK_REF(f_selu) BLOCK_REF(d_selu)
BLOCK_REF(f_gelu) BLOCK_REF(d_gelu) BLOCK_REF(f_gelu_tanh) BLOCK_REF(d_gelu_tanh)
BLOCK_REF(f_silu) BLOCK_REF(d_silu) BLOCK_REF(f_mish) BLOCK_REF(d_mish)
BLOCK_REF(f_softplus) BLOCK_REF(d_softplus) BLOCK_REF(f_softsign) BLOCK_REF(d_softsign)
BLOCK_REF(f_sigmoid) BLOCK_REF(d_sigmoid) BLOCK_REF(dy_sigmoid)
BLOCK_REF(f_tanh) BLOCK_REF(d_tanh) BLOCK_REF(dy_tanh)
BLOCK_REF(f_logsigmoid) BLOCK_REF(d_logsigmoid) BLOCK_REF(f_hardtanh) BLOCK_REF(d_hardtanh)
BLOCK_REF(f_hardsigmoid) BLOCK_REF(d_hardsigmoid) BLOCK_REF(f_hardswish) BLOCK_REF(d_hardswish)
BLOCK_REF(f_hardshrink) BLOCK_REF(d_shrink) BLOCK_REF(f_softshrink)
BLOCK_REF(f_tanhshrink) BLOCK_REF(d_tanhshrink) BLOCK_REF(f_threshold) BLOCK_REF(d_threshold)

/* ---- the checks -------------------------------------------------------------------------- */

struct fn {
    const char *name;
    int op;                   /* the row's index in _ops.UNARY = the dispatch table's op index */
    al_loop_t fwd, bwd, bwdo; /* the accurate loops by name (checked against the table) */
    double p[3];
    ref_t f, d, dy;
    uint32_t yhi;             /* bwdo: the patterns [+0, yhi], and their negatives if ysigned */
    int ysigned;
};

#define ROW(name, op, k, p0, p1, f, d) \
    {name, op, al_##k##_fwd_f32_loop, al_##k##_bwd_f32_loop, NULL, {p0, p1, 0}, f, d, NULL, 0, 0}

static const struct fn FNS[] = {
    ROW("relu", 0, relu, 0, 0, f_relu_block, d_relu_block),
    ROW("relu6", 1, relu6, 0, 0, f_relu6_block, d_relu6_block),
    ROW("leaky_relu(negative_slope=0.01)", 2, leaky_relu, 0.01, 0, f_leaky_block, d_leaky_block),
    ROW("leaky_relu(negative_slope=0.2)", 2, leaky_relu, 0.2, 0, f_leaky_block, d_leaky_block),
    ROW("elu(alpha=1)", 3, elu, 1.0, 0, f_elu_block, d_elu_block),
    ROW("elu(alpha=0.3)", 3, elu, 0.3, 0, f_elu_block, d_elu_block),
    ROW("celu(alpha=0.3)", 4, celu, 0.3, 0, f_celu_block, d_celu_block),
    ROW("celu(alpha=2.5)", 4, celu, 2.5, 0, f_celu_block, d_celu_block),
    ROW("selu", 5, selu, 0, 0, f_selu_block, d_selu_block),
    ROW("gelu", 6, gelu, 0, 0, f_gelu_block, d_gelu_block),
    ROW("gelu_tanh", 7, gelu_tanh, 0, 0, f_gelu_tanh_block, d_gelu_tanh_block),
    ROW("silu", 8, silu, 0, 0, f_silu_block, d_silu_block),
    ROW("mish", 9, mish, 0, 0, f_mish_block, d_mish_block),
    ROW("softplus(beta=1,threshold=20)", 10, softplus, 1.0, 20.0, f_softplus_block, d_softplus_block),
    ROW("softplus(beta=0.7,threshold=20)", 10, softplus, 0.7, 20.0, f_softplus_block, d_softplus_block),
    ROW("softplus(beta=3,threshold=20)", 10, softplus, 3.0, 20.0, f_softplus_block, d_softplus_block),
    ROW("softsign", 11, softsign, 0, 0, f_softsign_block, d_softsign_block),
    {"sigmoid", 12, al_sigmoid_fwd_f32_loop, al_sigmoid_bwd_f32_loop, al_sigmoid_bwdo_f32_loop,
     {0, 0, 0}, f_sigmoid_block, d_sigmoid_block, dy_sigmoid_block, 0x3f800000u, 0},
    {"tanh", 13, al_tanh_fwd_f32_loop, al_tanh_bwd_f32_loop, al_tanh_bwdo_f32_loop,
     {0, 0, 0}, f_tanh_block, d_tanh_block, dy_tanh_block, 0x3f800000u, 1},
    ROW("logsigmoid", 14, logsigmoid, 0, 0, f_logsigmoid_block, d_logsigmoid_block),
    ROW("hardtanh(min_val=-1,max_val=1)", 15, hardtanh, -1.0, 1.0, f_hardtanh_block, d_hardtanh_block),
    ROW("hardtanh(min_val=-0.5,max_val=2.3)", 15, hardtanh, -0.5, 2.3, f_hardtanh_block, d_hardtanh_block),
    ROW("hardsigmoid", 16, hardsigmoid, 0, 0, f_hardsigmoid_block, d_hardsigmoid_block),
    ROW("hardswish", 17, hardswish, 0, 0, f_hardswish_block, d_hardswish_block),
    ROW("hardshrink(lambd=0.5)", 18, hardshrink, 0.5, 0, f_hardshrink_block, d_shrink_block),
    ROW("hardshrink(lambd=1.3)", 18, hardshrink, 1.3, 0, f_hardshrink_block, d_shrink_block),
    ROW("softshrink(lambd=0.5)", 19, softshrink, 0.5, 0, f_softshrink_block, d_shrink_block),
    ROW("softshrink(lambd=1.3)", 19, softshrink, 1.3, 0, f_softshrink_block, d_shrink_block),
    ROW("tanhshrink", 20, tanhshrink, 0, 0, f_tanhshrink_block, d_tanhshrink_block),
    ROW("threshold(threshold=1,value=-2.5)", 21, threshold, 1.0, -2.5, f_threshold_block, d_threshold_block),
    ROW("threshold(threshold=-0.3,value=0.7)", 21, threshold, -0.3, 0.7, f_threshold_block, d_threshold_block),
};
#define NFNS (sizeof FNS / sizeof FNS[0])
#define NOPS 22 /* the rows of _ops.UNARY: each has a check above */

#define BLOCK 4096 /* a multiple of AL_BLOCK: at step 1 the loops' blocks are consecutive patterns */

/* ---- the measure ------------------------------------------------------------------------- */

static const double OVERFLOW = 0x1.ffffffp127; /* FLT_MAX + half an ULP: rounds to inf from here */

static inline double pow2d(int e) { uint64_t u = (uint64_t)(e + 1023) << 52; double d; memcpy(&d, &u, 8); return d; }

/* |y - ref| in float32 spacings at ref, or -1 for a NaN/inf mismatch */
static inline double ulp_error(float y, double ref)
{
    if (!(fabs(ref) < OVERFLOW)) { /* NaN, or beyond FLT_MAX + 1/2 ULP */
        if (ref != ref) return y != y ? 0.0 : -1.0;
        return (isinf(y) && (y > 0) == (ref > 0)) ? 0.0 : -1.0;
    }
    if (!isfinite(y)) return -1.0;
    double r = fabs(ref);
    uint64_t u;
    memcpy(&u, &r, 8);
    int e = (int)(u >> 52) - 1023; /* 2^e <= |ref| < 2^(e+1) (ref = 0 or below 2^-1022: -1023) */
    int s = e - 23 < -149 ? -149 : e - 23;
    return fabs((double)y - ref) * pow2d(-s);
}

struct stat {
    double worst, worst_normal;
    uint32_t at, at_normal, mis_at;
    float y, mis_y;
    double ref, mis_ref;
    uint64_t n, over, mis;
};

/* the results of one loop over a block against the references r (times g): the errors in
 * one branch-free pass, then the rare cases (a new maximum, above the bound, NaN/inf) */
static void stat_block(struct stat *s, const uint32_t *xb, const float *y, const double *r,
                       double g, int n, double bound)
{
    static double err[BLOCK];
    double mx = 0, mxn = 0;
    int special = 0;
    for (int i = 0; i < n; i++) {
        double ref = g * r[i], a = fabs(ref), yd = y[i];
        uint64_t u;
        memcpy(&u, &a, 8);
        int64_t e = (int64_t)(u >> 52) - 1023 - 23;
        e = e < -149 ? -149 : e;
        uint64_t su = (uint64_t)(1023 - e) << 52;
        double scale;
        memcpy(&scale, &su, 8);
        int sp = !(a < OVERFLOW) | !(fabs(yd) <= 0x1.fffffep127);
        double v = sp ? 0.0 : fabs(yd - ref) * scale;
        err[i] = v;
        special |= sp;
        mx = v > mx ? v : mx;
        mxn = (v > mxn && a >= 0x1p-126) ? v : mxn;
    }
    if (special) /* NaN/inf: matching ones are 0 ULP, the others mismatches */
        for (int i = 0; i < n; i++) {
            double e = ulp_error(y[i], g * r[i]);
            if (e < 0 && s->mis++ == 0) { s->mis_at = xb[i]; s->mis_y = y[i]; s->mis_ref = g * r[i]; }
        }
    if (mx > s->worst || mx > bound)
        for (int i = 0; i < n; i++) {
            if (err[i] > bound) s->over++;
            if (err[i] > s->worst) { s->worst = err[i]; s->at = xb[i]; s->y = y[i]; s->ref = g * r[i]; }
        }
    if (mxn > s->worst_normal)
        for (int i = 0; i < n; i++)
            if (err[i] > s->worst_normal && fabs(g * r[i]) >= 0x1p-126) {
                s->worst_normal = err[i];
                s->at_normal = xb[i];
            }
    s->n += (uint64_t)n;
}

static float from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static const char *KIND[3] = {"fwd", "bwd", "bwdo"};
#define NG 2
static const float GY[NG] = {1.0f, -3.1f};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One sweep: kind's accurate loop (and the fast one, when it is another loop) over the
 * patterns, with every grad_output for the backward kinds; prints the result lines. Returns 1
 * if a bound or a NaN/inf check failed. */
static int sweep(const struct fn *f, int kind, uint64_t step)
{
    al_loop_t loops[2] = {al_unary_loop(kind, f->op, 0), al_unary_loop(kind + 3, f->op, 0)};
    int nmodes = loops[1] != loops[0] ? 2 : 1, ng = kind == 0 ? 1 : NG;
    const double bound[2] = {1.0, 4.0};
    static struct stat st[2][NG];
    static float x[BLOCK], g[NG][BLOCK], y[2][NG][BLOCK];
    static uint32_t xb[BLOCK];
    static double ref[BLOCK];
    memset(st, 0, sizeof st);
    for (int k = 0; k < NG; k++)
        for (int i = 0; i < BLOCK; i++) g[k][i] = GY[k];
    /* the pattern ranges: all of them, or bwdo's output range */
    uint64_t lo[2] = {0, 0}, hi[2] = {0xffffffffu, 0};
    int nr = 1;
    if (kind == 2) {
        hi[0] = f->yhi;
        if (f->ysigned) { lo[1] = 0x80000000u; hi[1] = 0x80000000u + f->yhi; nr = 2; }
    }
    double t0 = now();
    for (int r = 0; r < nr; r++) {
        for (uint64_t u = lo[r]; u <= hi[r];) {
            int n = 0;
            for (; n < BLOCK && u <= hi[r]; n++, u += step) { xb[n] = (uint32_t)u; x[n] = from_bits((uint32_t)u); }
            for (int m = 0; m < nmodes; m++)
                for (int k = 0; k < ng; k++) {
                    if (kind == 0) loops[m]((const char *)x, NULL, (char *)y[m][k], n, f->p);
                    else loops[m]((const char *)g[k], (const char *)x, (char *)y[m][k], n, f->p);
                }
            (kind == 0 ? f->f : (kind == 1 ? f->d : f->dy))(x, ref, n, f->p);
            for (int m = 0; m < nmodes; m++)
                for (int k = 0; k < ng; k++)
                    stat_block(&st[m][k], xb, y[m][k], ref, kind == 0 ? 1.0 : (double)GY[k], n, bound[m]);
        }
    }
    double secs = now() - t0;
    int failed = 0;
    for (int m = 0; m < nmodes; m++)
        for (int k = 0; k < ng; k++) {
            const struct stat *s = &st[m][k];
            printf("R|%s|%s|%s|%g|%llu|%llu|%.3f|%a|%a|%a|%.3f|%a|%llu|%llu|%a|%a|%a|%.1f\n",
                   f->name, KIND[kind], m ? "fast" : "accurate", (double)GY[k],
                   (unsigned long long)step, (unsigned long long)s->n, s->worst,
                   (double)from_bits(s->at), (double)s->y, s->ref, s->worst_normal,
                   (double)from_bits(s->at_normal), (unsigned long long)s->over,
                   (unsigned long long)s->mis, (double)from_bits(s->mis_at), (double)s->mis_y,
                   s->mis_ref, secs);
            failed |= s->worst > bound[m] || s->mis > 0;
        }
    if (nmodes == 1)
        printf("R|%s|%s|fast|=|%llu|fast = accurate (the same loop)\n", f->name, KIND[kind],
               (unsigned long long)step);
    fflush(stdout);
    return failed;
}

static int has_token(const char *list, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *t = list; t; t = strchr(t, ',') ? strchr(t, ',') + 1 : NULL)
        if (!strncmp(t, tok, n) && (t[n] == ',' || t[n] == '\0')) return 1;
    return 0;
}

static int selected(const char *name, const char *filter)
{
    if (!filter || !*filter || !strcmp(filter, "all")) return 1;
    if (filter[0] == '=') return !strcmp(name, filter + 1); /* one name, commas and all */
    for (const char *t = filter; t; t = strchr(t, ',') ? strchr(t, ',') + 1 : NULL) {
        size_t n = strchr(t, ',') ? (size_t)(strchr(t, ',') - t) : strlen(t);
        if (n > 0 && !strncmp(name, t, n)) return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t step = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    const char *names = argc > 2 ? argv[2] : NULL, *kinds = argc > 3 ? argv[3] : "fwd,bwd,bwdo";
    if (step < 1) step = 1;
    /* the op indices must be the table's, and every row of _ops.UNARY must be checked */
    int seen[NOPS] = {0};
    for (size_t i = 0; i < NFNS; i++) {
        const struct fn *f = &FNS[i];
        if (al_unary_loop(0, f->op, 0) != f->fwd || al_unary_loop(1, f->op, 0) != f->bwd
            || al_unary_loop(2, f->op, 0) != f->bwdo) {
            fprintf(stderr, "%s: op %d is another op's in al_unary_loops\n", f->name, f->op);
            return 2;
        }
        seen[f->op] = 1;
    }
    for (int op = 0; op < NOPS; op++)
        if (!seen[op] || sizeof al_unary_loops[0] / sizeof al_unary_loops[0][0] != NOPS) {
            fprintf(stderr, "al_unary_loops has ops this file does not check\n");
            return 2;
        }
    if (names && !strcmp(names, "list")) {
        for (size_t i = 0; i < NFNS; i++) printf("%s\n", FNS[i].name);
        return 0;
    }
    printf("# check_f32_exhaustive: ISA %s, FMA %d, step %llu\n", AL_STR(AL_ISA), AL_HAVE_FMA,
           (unsigned long long)step);
    int failed = 0;
    for (size_t i = 0; i < NFNS; i++) {
        if (!selected(FNS[i].name, names)) continue;
        for (int kind = 0; kind < 3; kind++)
            if (has_token(kinds, KIND[kind]) && (kind < 2 || FNS[i].dy))
                failed |= sweep(&FNS[i], kind, step);
    }
    return failed;
}

/* Exhaustive ULP check of the float32 elementwise loops that run in float lanes
 * (_ops.F32_LANES): every float32 bit pattern through the loop the library runs (fast path
 * and fallback blocks alike), against a double-precision libm reference whose own error
 * (< 1e-15 relative) is far below a float32 ULP.
 *
 *   python setup.py build_ext --inplace          # renders the al_*.h into build/generated
 *   gcc -O3 -mavx2 -mfma -fopenmp-simd -fopenmp -ffp-contract=off -fno-trapping-math \
 *       -Ibuild/generated -Isrc/actloss/_kernels tools/check_f32_lanes.c -o /tmp/check_f32_lanes -lm
 *   /tmp/check_f32_lanes [step [name]]           # step > 1 samples every step-th pattern;
 *                                                # name: only functions whose name starts so
 *
 * Prints the worst error in ULP (of the float32 spacing at the reference value, subnormal
 * spacing below 2^-126) and where; exits 1 if any exceeds its bound (1 ULP; 4 ULP for the
 * fast-mode loops of _ops.FAST, marked "fast") or a NaN/inf differs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "al_loops.h"

#define SELU_S 1.0507009873554804934193349852946
#define SELU_A 1.6732632423543772848170429916717

static double ref_sigmoid(double x, double a) { (void)a; return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }
static double ref_silu(double x, double a) { return x == -INFINITY ? -0.0 : x * ref_sigmoid(x, a); }
static double ref_tanh(double x, double a) { (void)a; return tanh(x); }
static double ref_elu(double x, double a) { return x > 0 ? x : a * expm1(x); }
static double ref_celu(double x, double a) { return x > 0 ? x : a * expm1(x / a); }
static double ref_selu(double x, double a) { (void)a; return SELU_S * (x > 0 ? x : SELU_A * expm1(x)); }
static double ref_gelu_tanh(double x, double a)
{
    (void)a; /* x sigmoid(2u) in long double: 2u is large where it matters */
    long double u = 0.79788456080286535587989211986876L * ((long double)x + 0.044715L * (long double)x * x * x);
    return x == -INFINITY ? -0.0 : (double)((long double)x / (1.0L + expl(-2.0L * u)));
}
static double ref_softplus(double x, double b)
{
    double z = b * x;
    return x * b > 20.0 ? x : (fmax(z, 0.0) + log1p(exp(-fabs(z)))) / b;
}
static double ref_logsigmoid(double x, double a) { (void)a; return fmin(x, 0.0) - log1p(exp(-fabs(x))); }
static double ref_hardsigmoid(double x, double a) { (void)a; return x <= -3 ? 0 : (x >= 3 ? 1 : (x + 3) / 6); }
static double ref_hardswish(double x, double a) { (void)a; return x <= -3 ? 0 : (x >= 3 ? x : x * (x + 3) / 6); }
static double ref_gelu(double x, double a) { (void)a; return x == -INFINITY ? -0.0 : 0.5 * x * erfc(-x * 0.70710678118654752440); }

struct fn { const char *name; al_loop_t loop; double (*ref)(double, double); double param; double bound; };

static const struct fn FNS[] = {
    {"sigmoid", al_sigmoid_fwd_f32_loop, ref_sigmoid, 0},
    {"silu", al_silu_fwd_f32_loop, ref_silu, 0},
    {"tanh", al_tanh_fwd_f32_loop, ref_tanh, 0},
    {"elu", al_elu_fwd_f32_loop, ref_elu, 1.0},
    {"elu(alpha=0.3)", al_elu_fwd_f32_loop, ref_elu, 0.3},
    {"celu(alpha=0.3)", al_celu_fwd_f32_loop, ref_celu, 0.3},
    {"celu(alpha=2.5)", al_celu_fwd_f32_loop, ref_celu, 2.5},
    {"selu", al_selu_fwd_f32_loop, ref_selu, 0},
    {"gelu_tanh", al_gelu_tanh_fwd_f32_loop, ref_gelu_tanh, 0},
    {"softplus", al_softplus_fwd_f32_loop, ref_softplus, 1.0},
    {"softplus(beta=0.7)", al_softplus_fwd_f32_loop, ref_softplus, 0.7},
    {"logsigmoid", al_logsigmoid_fwd_f32_loop, ref_logsigmoid, 0},
    {"hardsigmoid", al_hardsigmoid_fwd_f32_loop, ref_hardsigmoid, 0},
    {"hardswish", al_hardswish_fwd_f32_loop, ref_hardswish, 0},
    {"gelu", al_gelu_fwd_f32_loop, ref_gelu, 0},
    {"gelu fast", al_gelu_fwd_f32_fast_loop, ref_gelu, 0, 4.0},
    {"sigmoid fast", al_sigmoid_fwd_f32_fast_loop, ref_sigmoid, 0, 4.0},
    {"silu fast", al_silu_fwd_f32_fast_loop, ref_silu, 0, 4.0},
    {"tanh fast", al_tanh_fwd_f32_fast_loop, ref_tanh, 0, 4.0},
};

static double ulp_error(float y, double ref)
{
    const double overflow = 0x1.ffffffp127; /* FLT_MAX + half an ULP: rounds to inf from here */
    if (isnan(ref) || fabs(ref) >= overflow)
        return (isnan(ref) && isnan(y)) || (isinf(y) && (y > 0) == (ref > 0)) ? 0.0 : INFINITY;
    int e;
    frexp(ref, &e);
    return fabs((double)y - ref) / ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
}

#define BLOCK 4096

int main(int argc, char **argv)
{
    long step = argc > 1 ? atol(argv[1]) : 1;
    int failed = 0;
    #pragma omp parallel for schedule(dynamic)
    for (size_t f = 0; f < sizeof FNS / sizeof FNS[0]; f++) {
        if (argc > 2 && strncmp(FNS[f].name, argv[2], strlen(argv[2])) != 0)
            continue;
        float x[BLOCK], y[BLOCK];
        double p[3] = {FNS[f].param, 20.0, 0}, worst = 0;
        float at = 0;
        for (uint64_t base = 0; base < (1ULL << 32); base += (uint64_t)BLOCK * step) {
            for (int i = 0; i < BLOCK; i++) {
                uint32_t u = (uint32_t)(base + i);
                memcpy(&x[i], &u, 4);
            }
            FNS[f].loop((const char *)x, NULL, (char *)y, BLOCK, p);
            for (int i = 0; i < BLOCK; i++) {
                double err = ulp_error(y[i], FNS[f].ref((double)x[i], FNS[f].param));
                if (err > worst) { worst = err; at = x[i]; }
            }
        }
        #pragma omp critical
        {
            printf("%-18s max %.3f ULP at x = %a\n", FNS[f].name, worst, (double)at);
            fflush(stdout);
            failed |= worst > (FNS[f].bound > 0 ? FNS[f].bound : 1.0);
        }
    }
    return failed;
}

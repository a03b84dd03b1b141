/* float16 <-> float32 conversions for the ufuncs' float16 loops (actloss.ufuncs): float16
 * arrays are computed in float32, as the functions compute them (DESIGN.md section 1), and
 * each result is rounded back to float16 once, to nearest, ties to even -- the rounding
 * NumPy's astype applies, so a ufunc and a function give the same bits.
 *
 * Plain bit manipulation, no compiler float16 type (_Float16 is not on every compiler this
 * builds with). Half bits: sign 1, exponent 5 (bias 15), mantissa 10; float: 1, 8 (bias 127), 23.
 */
#ifndef AL_HALF_H
#define AL_HALF_H

#include <stdint.h>
#include <string.h>

static inline float al_half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    uint32_t bits;
    float f;
    if (e == 0x1fu) {
        bits = sign | 0x7f800000u | (m << 13);   /* inf, or NaN with its payload */
    } else if (e != 0) {
        bits = sign | ((e + 112u) << 23) | (m << 13);   /* rebias 15 -> 127 */
    } else {
        /* zero or subnormal, m * 2^-24: exact in float (m < 2^10, a power-of-two scale) */
        f = (float)m * 0x1p-24f;
        memcpy(&bits, &f, 4);
        bits |= sign;
    }
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t al_float_to_half(float f)
{
    uint32_t x, ax;
    uint16_t sign;
    memcpy(&x, &f, 4);
    sign = (uint16_t)((x >> 16) & 0x8000u);
    ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u)  /* inf; NaN stays a (quiet) NaN with the payload's top bits */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
    if (ax >= 0x477ff000u)  /* >= 65520 = the midpoint of 65504 (max) and 2^16: rounds to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (ax >= 0x38800000u) {
        /* a normal half (>= 2^-14): drop 13 mantissa bits, adding just under half an ulp plus
         * the kept last bit (ties to even); a carry moves into the exponent as it should */
        const uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u);
        return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
    }
    {
        /* subnormal half or zero: round |f| * 2^24 (exact, < 2^10) to an integer, ties to
         * even, by adding and subtracting 2^23 in the default rounding mode; 1024 is the
         * smallest normal half, whose bits are just 1024 */
        float a, r;
        memcpy(&a, &ax, 4);
        a *= 0x1p24f;
        r = (a + 0x1p23f) - 0x1p23f;
        return (uint16_t)(sign | (uint16_t)r);
    }
}

#endif /* AL_HALF_H */

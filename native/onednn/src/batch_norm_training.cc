#include "batch_norm_training.h"

#include <cmath>
#include <vector>

// Every per-channel sum runs over the rows in order, from +0, in double: what the JS kernel's accumulators do
// (it keeps four channels' accumulators in locals; here the loop runs over rows outside and channels inside,
// which adds the same terms to each channel's sum in the same order). Elementwise loops may vectorize; no sum is
// reassociated (no -ffast-math) and a·b + c stays two roundings (-ffp-contract=off).

namespace sweep_onednn {
namespace {

// JS Math.max(v, 0): NaN stays NaN, −0 becomes +0.
inline double js_max0(double v) { return (v > 0 || v != v) ? v : 0.0; }

}  // namespace

void batch_norm_train_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                              float* variance, int64_t rows, int64_t channels, double epsilon) {
  std::vector<double> sum(channels, 0.0), squares(channels, 0.0), scale(channels), shift(channels);
  double* s = sum.data();
  double* q = squares.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const double v = row[c];
      s[c] += v;
      q[c] += v * v;
    }
  }
  const double n = static_cast<double>(rows);
  for (int64_t c = 0; c < channels; ++c) {
    const double m = s[c] / n;
    const double var = js_max0(q[c] / n - m * m);
    mean[c] = static_cast<float>(m);
    variance[c] = static_cast<float>(var);
    scale[c] = static_cast<double>(gamma[c]) / std::sqrt(var + epsilon);
    shift[c] = static_cast<double>(beta[c]) - m * scale[c];
  }
  const double* a = scale.data();
  const double* b = shift.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * channels;
    float* out = y + r * channels;
    for (int64_t c = 0; c < channels; ++c) out[c] = static_cast<float>(static_cast<double>(in[c]) * a[c] + b[c]);
  }
}

void batch_norm_train_backward(const float* dy, const float* x, const float* mean, const float* variance,
                               const float* gamma, float* dx, float* d_gamma, float* d_beta, int64_t rows,
                               int64_t channels, double epsilon) {
  std::vector<double> inv(channels), mu(channels), d_beta_sum(channels, 0.0), dy_x_sum(channels, 0.0);
  for (int64_t c = 0; c < channels; ++c) {
    inv[c] = 1 / std::sqrt(static_cast<double>(variance[c]) + epsilon);
    mu[c] = mean[c];
  }
  double* sb = d_beta_sum.data();
  double* sg = dy_x_sum.data();  // Σ dy·x, turned into Σ dy·x̂ below
  for (int64_t r = 0; r < rows; ++r) {
    const float* d = dy + r * channels;
    const float* in = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const double dv = d[c];
      sb[c] += dv;
      sg[c] += dv * static_cast<double>(in[c]);
    }
  }
  std::vector<double> ka(channels), kb(channels), kc(channels);  // dx = a·dy + b·x + c, per channel
  const double n = static_cast<double>(rows);
  for (int64_t c = 0; c < channels; ++c) {
    const double dg = (sg[c] - mu[c] * sb[c]) * inv[c];
    d_gamma[c] = static_cast<float>(dg);
    d_beta[c] = static_cast<float>(sb[c]);
    const double s = static_cast<double>(gamma[c]) * inv[c];
    ka[c] = s;
    kb[c] = (-s * inv[c] * dg) / n;
    kc[c] = -s * (sb[c] / n) - kb[c] * mu[c];
  }
  const double* a = ka.data();
  const double* b = kb.data();
  const double* k = kc.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* d = dy + r * channels;
    const float* in = x + r * channels;
    float* out = dx + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      out[c] = static_cast<float>(a[c] * static_cast<double>(d[c]) + b[c] * static_cast<double>(in[c]) + k[c]);
    }
  }
}

}  // namespace sweep_onednn

#include "interpreter/cli/progress_bar.hpp"

#include <unistd.h>

#include <cmath>
#include <string>

namespace yamlnet {

ProgressBar::ProgressBar(std::FILE* out, int verbose)
    : out_(out), verbose_(verbose), live_(verbose == 1 && isatty(fileno(out))) {}

std::string ProgressBar::format_logs(const Logs& logs) {
  std::string out;
  char buf[64];
  for (const auto& [name, value] : logs) {
    if (std::abs(value) > 1e-3 || value == 0.0)
      std::snprintf(buf, sizeof buf, "%.4f", value);
    else
      std::snprintf(buf, sizeof buf, "%.4e", value);
    out += " - " + name + ": " + buf;
  }
  return out;
}

std::string ProgressBar::bar(long step) const {
  const int width = 30;
  const std::string count = std::to_string(steps_);
  std::string step_text = std::to_string(step);
  std::string out = std::string(count.size() - std::min(count.size(), step_text.size()), ' ') + step_text +
                    "/" + count + " [";
  const int filled = steps_ ? static_cast<int>(width * step / steps_) : width;
  if (filled > 0) {
    out += std::string(static_cast<size_t>(filled - 1), '=');
    out += step < steps_ ? '>' : '=';
  }
  out += std::string(static_cast<size_t>(width - std::max(filled, 0)), '.');
  return out + "]";
}

void ProgressBar::on_epoch_begin(int epoch, int epochs, long steps) {
  steps_ = steps;
  start_ = last_draw_ = std::chrono::steady_clock::now();
  if (verbose_ > 0) std::fprintf(out_, "Epoch %d/%d\n", epoch + 1, epochs);
}

void ProgressBar::on_batch_end(long step, const Logs& running) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  if (step < steps_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = step ? elapsed / static_cast<double>(step) * static_cast<double>(steps_ - step) : 0.0;
  std::fprintf(out_, "\r%s - ETA: %.0fs%s\x1b[K", bar(step).c_str(), eta, format_logs(running).c_str());
  std::fflush(out_);
}

void ProgressBar::on_epoch_end(EpochEnd& end) {
  if (verbose_ == 0) return;
  const double seconds = end.seconds;
  // Keras switches to microseconds when a step takes less than a millisecond.
  const double per_step = steps_ ? seconds / static_cast<double>(steps_) : 0.0;
  char step_time[32];
  if (per_step >= 1e-3)
    std::snprintf(step_time, sizeof step_time, "%.0fms/step", per_step * 1e3);
  else
    std::snprintf(step_time, sizeof step_time, "%.0fus/step", per_step * 1e6);
  std::fprintf(out_, live_ ? "%s%s - %.0fs %s%s\x1b[K\n" : "%s%s - %.0fs %s%s\n", live_ ? "\r" : "",
               bar(steps_).c_str(), seconds, step_time, format_logs(end.logs).c_str());
  std::fflush(out_);
}

void ProgressBar::on_message(const std::string& text) {
  if (verbose_ > 0) std::fprintf(out_, "%s\n", text.c_str());
}

}  // namespace yamlnet

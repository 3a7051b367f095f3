// libFuzzer target: a numeric column of a CSV file from outside bytes (ParseCsvColumn, what
// examples/lstm_timeseries reads Seattle's weather with). The first byte picks the column asked
// for; the rest is the file. A parse either gives one finite value per data row or fails with a
// one-line error of bounded length; anything else aborts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "examples/common/csv_column.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kColumns[] = {"temp_max", "temp", "date", "weather"};
  const std::string column = kColumns[data[0] % 4];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto values = sluice::ParseCsvColumn(text, "fuzz.csv", column);
  if (!values.ok()) {
    const auto message = values.status().message();
    if (message.size() > 4096) std::abort();
    for (unsigned char c : message) {
      if (c < 0x20 || c == 0x7f) std::abort();
    }
    return 0;
  }
  if (values->empty()) std::abort();
  for (float v : *values) {
    if (!std::isfinite(v)) std::abort();
  }
  return 0;
}

#include "examples/common/csv_column.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "core/file_io.h"
#include "examples/common/csv.h"

namespace sluice {
namespace {

// At most this much of a bad value goes into an error message.
constexpr size_t kMaxShownValue = 40;

std::string Shown(const std::string& value) {
  std::string shown = value.size() > kMaxShownValue ? value.substr(0, kMaxShownValue) + "..." : value;
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return shown;
}

}  // namespace

StatusOr<std::vector<float>> ParseCsvColumn(absl::string_view text, const std::string& name,
                                            const std::string& column) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text, name));
  if (records.empty()) return errors::InvalidArgument(name, ": empty, expected a header line");
  const CsvRecord& header = records[0];
  size_t col = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::StripAsciiWhitespace(header[i]) == column) col = i;
  }
  if (col == header.size()) {
    return errors::InvalidArgument(name, ": no column '", Shown(column), "' in the header '",
                                   Shown(absl::StrJoin(header, ",")), "'");
  }
  if (records.size() == 1) return errors::InvalidArgument(name, ": no data rows after the header");
  std::vector<float> values;
  values.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != header.size()) {
      return errors::InvalidArgument(name, ": data row ", r, " has ", records[r].size(), " fields, the header ",
                                     header.size());
    }
    const std::string& field = records[r][col];
    double v;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(field), &v) || !std::isfinite(v) ||
        std::fabs(v) > 3.0e38) {
      return errors::InvalidArgument(name, ": data row ", r, ": ", column, " '", Shown(field),
                                     "' is not a finite number");
    }
    values.push_back(static_cast<float>(v));
  }
  return values;
}

StatusOr<std::vector<float>> ReadCsvColumn(const std::string& path, const std::string& column) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseCsvColumn(text, path, column);
}

}  // namespace sluice

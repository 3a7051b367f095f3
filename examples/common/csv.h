// A small reader of comma-separated values (RFC 4180): fields separated by commas, records by
// "\n" or "\r\n"; a field may be quoted ("..."), and then holds commas, line breaks and doubled
// quotes ("" for one "). MovieLens' movies.csv needs it: its titles contain commas.
#ifndef SLUICE_EXAMPLES_COMMON_CSV_H_
#define SLUICE_EXAMPLES_COMMON_CSV_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "core/status.h"

namespace sluice {

using CsvRecord = std::vector<std::string>;

// The records of `text`, each a list of its fields, unquoted. A final line break is optional;
// empty lines are skipped. A quote inside an unquoted field, text after a closing quote other
// than a separator, or a quoted field left open at the end is an InvalidArgument error naming
// `name` and the line.
StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text, const std::string& name);

// ParseCsv of the file at `path`; the first record, the header, must be `header` exactly
// (e.g. {"userId", "movieId", "rating", "timestamp"}). Returns the records after it. Every
// record must have as many fields as the header.
StatusOr<std::vector<CsvRecord>> ReadCsvFile(const std::string& path, const CsvRecord& header);

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_CSV_H_

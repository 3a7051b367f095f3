// One numeric column of a CSV file with a header line, as a series in file order (e.g.
// "temp_max" of Seattle's daily weather, data/vega/seattle-weather.csv).
#ifndef SLUICE_EXAMPLES_COMMON_CSV_COLUMN_H_
#define SLUICE_EXAMPLES_COMMON_CSV_COLUMN_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/status.h"

namespace sluice {

// The values of the column named `column` in the CSV `text` (examples/common/csv.h's syntax)
// whose first record is its header. Every record must have the header's number of fields and a
// finite number in that column. Errors (InvalidArgument) name `name`, and the data row (1 is the
// first after the header) and the value where one is at fault: no header, no such column, a
// record of the wrong width, a value that is not a finite number, no data rows.
StatusOr<std::vector<float>> ParseCsvColumn(absl::string_view text, const std::string& name,
                                            const std::string& column);

// ParseCsvColumn of the file at `path`; a file that cannot be read is the read's error, naming it.
StatusOr<std::vector<float>> ReadCsvColumn(const std::string& path, const std::string& column);

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_CSV_COLUMN_H_

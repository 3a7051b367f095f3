#include "examples/common/csv.h"

#include "absl/strings/str_join.h"
#include "core/file_io.h"

namespace sluice {

StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text, const std::string& name) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int64_t line = 1;
  size_t i = 0;
  const size_t n = text.size();
  bool field_started = false;  // something of the current record was read
  auto end_field = [&]() {
    record.push_back(std::move(field));
    field.clear();
  };
  auto end_record = [&]() {
    if (field_started || !record.empty()) {
      end_field();
      records.push_back(std::move(record));
    }
    record.clear();
    field_started = false;
  };
  while (i < n) {
    const char c = text[i];
    if (c == '"') {
      if (!field.empty()) {
        return errors::InvalidArgument(name, ":", line, ": a quote inside an unquoted field");
      }
      const int64_t open_line = line;
      ++i;
      for (;;) {
        if (i >= n) return errors::InvalidArgument(name, ":", open_line, ": a quoted field is not closed");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field.push_back(text[i++]);
      }
      field_started = true;
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return errors::InvalidArgument(name, ":", line, ": text after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      end_field();
      field_started = true;
      ++i;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      end_record();
      ++line;
    } else {
      field.push_back(c);
      field_started = true;
      ++i;
    }
  }
  end_record();
  return records;
}

StatusOr<std::vector<CsvRecord>> ReadCsvFile(const std::string& path, const CsvRecord& header) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  SLUICE_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text, path));
  if (records.empty() || records[0] != header) {
    return errors::InvalidArgument(path, ": expected the header '", absl::StrJoin(header, ","), "', found '",
                                   records.empty() ? "" : absl::StrJoin(records[0], ","), "'");
  }
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != header.size()) {
      return errors::InvalidArgument(path, ": record ", r + 1, " has ", records[r].size(), " fields, expected ",
                                     header.size());
    }
  }
  records.erase(records.begin());
  return records;
}

}  // namespace sluice

// sluice records: TFRecord files (core/record_io.h) from the command line. cat prints each
// record (an Example as its text proto, anything else C-escaped), count counts them, write
// makes a file of Examples from a CSV file (a header row of column names) or from .npy / IDX
// files (one Example per row of their first dimension).
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/example_util.h"
#include "core/file_io.h"
#include "core/idx.h"
#include "core/npy.h"
#include "core/record_io.h"
#include "google/protobuf/text_format.h"
#include "tools/cli.h"
#include "tools/model_args.h"

namespace sluice::cli {

namespace {
constexpr char kCommand[] = "records";

StatusOr<RecordReaderOptions> ReaderOptions(const ParsedArgs& args) {
  RecordReaderOptions options;
  SLUICE_ASSIGN_OR_RETURN(options.compression, ParseRecordCompression(args.Last("compression")));
  options.skip_corrupt = args.switches.contains("skip-corrupt");
  return options;
}

// Reads every record of `path`, calling `fn(index, offset, record)`; *skipped counts the corrupt
// records skipped (with --skip-corrupt; each is reported on stderr).
template <typename Fn>
Status ForEachRecord(const std::string& path, RecordReaderOptions options, int64_t* skipped, Fn fn) {
  options.on_skip = [](const Status& s) {
    std::fprintf(stderr, "sluice records: skipped: %s\n", std::string(s.message()).c_str());
  };
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, RecordReader::Open(path, options));
  std::string record;
  for (int64_t i = 0;; ++i) {
    Status s = reader->ReadRecord(&record);
    if (absl::IsOutOfRange(s)) break;
    SLUICE_RETURN_IF_ERROR(s);
    // The record just read ends at offset() (records skipped before it are behind it).
    fn(i, reader->offset() - kRecordHeaderBytes - record.size() - kRecordFooterBytes, record);
  }
  *skipped = reader->skipped_records();
  return absl::OkStatus();
}

int Cat(const ParsedArgs& args) {
  auto options = ReaderOptions(args);
  if (!options.ok()) return ReportUsageError(kCommand, options.status().message());
  const bool raw = args.switches.contains("raw");
  for (size_t f = 1; f < args.positional.size(); ++f) {
    int64_t skipped = 0;
    Status s =
        ForEachRecord(args.positional[f], *options, &skipped, [&](int64_t i, uint64_t offset, const std::string& r) {
          Example example;
          std::string text;
          if (!raw && ParseBinaryProto(r, "the record", &example).ok() && example.features().feature_size() > 0 &&
              google::protobuf::TextFormat::PrintToString(example, &text)) {
            std::printf("record %lld (offset %llu, %zu bytes): Example\n%s", static_cast<long long>(i),
                        static_cast<unsigned long long>(offset), r.size(), text.c_str());
          } else {
            std::printf("record %lld (offset %llu, %zu bytes): \"%s\"\n", static_cast<long long>(i),
                        static_cast<unsigned long long>(offset), r.size(), absl::CHexEscape(r).c_str());
          }
        });
    if (!s.ok()) return ReportError(kCommand, s);
  }
  return kExitOk;
}

int Count(const ParsedArgs& args) {
  auto options = ReaderOptions(args);
  if (!options.ok()) return ReportUsageError(kCommand, options.status().message());
  for (size_t f = 1; f < args.positional.size(); ++f) {
    int64_t n = 0, skipped = 0;
    Status s =
        ForEachRecord(args.positional[f], *options, &skipped, [&](int64_t, uint64_t, const std::string&) { ++n; });
    if (!s.ok()) return ReportError(kCommand, s);
    if (options->skip_corrupt) {
      std::printf("%s: %lld records (%lld corrupt skipped)\n", args.positional[f].c_str(), static_cast<long long>(n),
                  static_cast<long long>(skipped));
    } else {
      std::printf("%s: %lld records\n", args.positional[f].c_str(), static_cast<long long>(n));
    }
  }
  return kExitOk;
}

// One CSV line split into fields: "a ""quoted"", field" holds commas and quotes.
StatusOr<std::vector<std::string>> SplitCsvLine(const std::string& line, int64_t line_number, const std::string& path) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return errors::InvalidArgument("'", path, "' line ", line_number, ": a quoted field does not end");
  return fields;
}

// The Examples of a CSV file: a column is int64 when every value is an integer, else float when
// every value is a number, else bytes. An empty field is a feature with no values.
StatusOr<std::vector<Example>> CsvExamples(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path));
  std::vector<std::vector<std::string>> rows;
  int64_t line_number = 0;
  for (absl::string_view rest = contents; !rest.empty();) {
    size_t nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest.remove_prefix(nl == absl::string_view::npos ? rest.size() : nl + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> fields, SplitCsvLine(line, line_number, path));
    if (!rows.empty() && fields.size() != rows[0].size()) {
      return errors::InvalidArgument("'", path, "' line ", line_number, " has ", fields.size(), " fields, the header ",
                                     rows[0].size());
    }
    rows.push_back(std::move(fields));
  }
  if (rows.empty()) return errors::InvalidArgument("'", path, "' has no header row");
  const std::vector<std::string>& header = rows[0];
  std::vector<DataType> types(header.size(), DT_INT64);
  for (size_t r = 1; r < rows.size(); ++r) {
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& v = rows[r][c];
      int64_t i;
      float f;
      if (v.empty() || types[c] == DT_STRING) continue;
      if (types[c] == DT_INT64 && !absl::SimpleAtoi(v, &i)) types[c] = DT_FLOAT;
      if (types[c] == DT_FLOAT && !absl::SimpleAtof(v, &f)) types[c] = DT_STRING;
    }
  }
  std::vector<Example> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    ExampleBuilder b;
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& v = rows[r][c];
      if (types[c] == DT_INT64) {
        int64_t i = 0;
        b.AddInt64s(header[c],
                    v.empty() || !absl::SimpleAtoi(v, &i) ? std::vector<int64_t>{} : std::vector<int64_t>{i});
      } else if (types[c] == DT_FLOAT) {
        float f = 0;
        b.AddFloats(header[c], v.empty() || !absl::SimpleAtof(v, &f) ? std::vector<float>{} : std::vector<float>{f});
      } else {
        b.AddBytes(header[c], v.empty() ? std::vector<std::string>{} : std::vector<std::string>{v});
      }
    }
    out.push_back(b.example());
  }
  return out;
}

// The Examples of --feature NAME=FILE.npy|NAME=@idx:FILE arguments: row i of every file (all of
// the same first dimension) as the feature NAME of Example i.
StatusOr<std::vector<Example>> TensorExamples(const std::vector<std::string>& features) {
  std::vector<Example> out;
  int64_t rows = -1;
  for (const std::string& arg : features) {
    SLUICE_ASSIGN_OR_RETURN(FeedArg feature, ParseFeedArg(arg));
    SLUICE_ASSIGN_OR_RETURN(Tensor t, feature.idx ? ReadIdx(feature.file) : ReadNpy(feature.file));
    if (t.dims() == 0) return errors::InvalidArgument("'", feature.file, "' holds a scalar, not rows");
    if (rows >= 0 && t.dim_size(0) != rows) {
      return errors::InvalidArgument("'", feature.file, "' has ", t.dim_size(0), " rows, the files before it ", rows);
    }
    rows = t.dim_size(0);
    out.resize(rows);
    TensorShape row_shape(t.shape().dims().subspan(1));
    const int64_t per_row = row_shape.num_elements();
    for (int64_t r = 0; r < rows; ++r) {
      Tensor row(t.dtype(), row_shape);
      if (t.dtype() == DT_STRING) {
        for (int64_t k = 0; k < per_row; ++k) row.data<std::string>()[k] = t.data<std::string>()[r * per_row + k];
      } else {
        const size_t bytes = per_row * DataTypeSize(t.dtype());
        std::memcpy(row.raw_data(), static_cast<const char*>(t.raw_data()) + r * bytes, bytes);
      }
      SLUICE_ASSIGN_OR_RETURN(Feature f, TensorFeature(row));
      (*out[r].mutable_features()->mutable_feature())[feature.name] = std::move(f);
    }
  }
  return out;
}

int Write(const ParsedArgs& args) {
  if (args.positional.size() != 2) return ReportUsageError(kCommand, "write takes one OUTPUT file");
  const std::string csv = args.Last("csv");
  const std::vector<std::string>& features = args.All("feature");
  if (csv.empty() == features.empty())
    return ReportUsageError(kCommand, "write needs --csv FILE or --feature NAME=FILE");
  RecordWriterOptions options;
  auto compression = ParseRecordCompression(args.Last("compression"));
  if (!compression.ok()) return ReportUsageError(kCommand, compression.status().message());
  options.compression = *compression;
  StatusOr<std::vector<Example>> examples = csv.empty() ? TensorExamples(features) : CsvExamples(csv);
  if (!examples.ok()) return ReportError(kCommand, examples.status());
  const std::string& path = args.positional[1];
  auto writer = RecordWriter::Create(path, options);
  if (!writer.ok()) return ReportError(kCommand, writer.status());
  for (const Example& e : *examples) {
    Status s = (*writer)->WriteRecord(e.SerializeAsString());
    if (!s.ok()) return ReportError(kCommand, s);
  }
  Status s = (*writer)->Close();
  if (!s.ok()) return ReportError(kCommand, s);
  std::printf("%s: %zu Examples\n", path.c_str(), examples->size());
  return kExitOk;
}

}  // namespace

int RecordsCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {"compression", "csv", "feature"}, {"skip-corrupt", "raw"});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.empty()) return ReportUsageError(kCommand, "missing cat, count or write");
  const std::string& sub = parsed->positional[0];
  if (sub == "write") return Write(*parsed);
  if (sub != "cat" && sub != "count") return ReportUsageError(kCommand, absl::StrCat("unknown subcommand '", sub, "'"));
  if (parsed->positional.size() < 2) return ReportUsageError(kCommand, absl::StrCat(sub, " needs a FILE"));
  return sub == "cat" ? Cat(*parsed) : Count(*parsed);
}

}  // namespace sluice::cli

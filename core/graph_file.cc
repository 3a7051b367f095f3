#include "core/graph_file.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace sluice {

namespace {

// The first error protobuf's text parser reports (it keeps going after one; the first is the
// one that explains the rest).
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!has_error_) {
      has_error_ = true;
      line_ = line;
      column_ = column;
      message_ = message;
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}

  bool has_error() const { return has_error_; }
  // Protobuf counts lines and columns from 0; editors and compilers from 1.
  std::string Where() const { return absl::StrCat(line_ + 1, ":", column_ + 1); }
  const std::string& message() const { return message_; }

 private:
  bool has_error_ = false;
  int line_ = 0;
  int column_ = 0;
  std::string message_;
};

bool HasSuffix(const std::string& path, absl::string_view suffix) { return absl::EndsWith(path, suffix); }

// The first field name of a text proto, past blanks and '#' comments ("" if none).
std::string FirstTextField(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else {
      break;
    }
  }
  size_t start = i;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
  return std::string(text.substr(start, i - start));
}

bool LooksLikeTextMetaGraph(absl::string_view text) {
  static const char* const kFields[] = {"meta_info_def", "graph_def",      "saver_def",       "collection_def",
                                        "signature_def", "asset_file_def", "object_graph_def"};
  std::string first = FirstTextField(text);
  for (const char* f : kFields) {
    if (first == f) return true;
  }
  return false;
}

// Text protos are printable; binary protos of any size almost never are.
bool LooksLikeText(absl::string_view bytes) {
  size_t n = std::min<size_t>(bytes.size(), 4096);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = bytes[i];
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

std::string Quoted(absl::string_view path) { return absl::StrCat("'", path, "'"); }

Status ParseAs(GraphFileFormat format, absl::string_view bytes, const std::string& path, GraphFile* out) {
  out->format = format;
  out->meta_graph.Clear();
  switch (format) {
    case GraphFileFormat::kBinaryGraphDef:
      return ParseBinaryProto(bytes, Quoted(path), out->meta_graph.mutable_graph_def());
    case GraphFileFormat::kTextGraphDef:
      return ParseTextProto(bytes, Quoted(path), out->meta_graph.mutable_graph_def());
    case GraphFileFormat::kBinaryMetaGraph:
      return ParseBinaryProto(bytes, Quoted(path), &out->meta_graph);
    case GraphFileFormat::kTextMetaGraph:
      return ParseTextProto(bytes, Quoted(path), &out->meta_graph);
  }
  return errors::Internal("unknown graph file format");
}

}  // namespace

const char* GraphFileFormatName(GraphFileFormat format) {
  switch (format) {
    case GraphFileFormat::kBinaryGraphDef:
      return "binary GraphDef";
    case GraphFileFormat::kTextGraphDef:
      return "text GraphDef";
    case GraphFileFormat::kBinaryMetaGraph:
      return "binary MetaGraphDef";
    case GraphFileFormat::kTextMetaGraph:
      return "text MetaGraphDef";
  }
  return "unknown";
}

GraphFileFormat GraphFileFormatForPath(const std::string& path) {
  if (HasSuffix(path, ".meta.pbtxt") || HasSuffix(path, ".meta.txt")) return GraphFileFormat::kTextMetaGraph;
  if (HasSuffix(path, ".meta")) return GraphFileFormat::kBinaryMetaGraph;
  if (HasSuffix(path, ".pbtxt") || HasSuffix(path, ".txt")) return GraphFileFormat::kTextGraphDef;
  return GraphFileFormat::kBinaryGraphDef;
}

Status ParseTextProto(absl::string_view text, absl::string_view name_for_errors, google::protobuf::Message* message) {
  message->Clear();
  FirstErrorCollector collector;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  bool parsed = text.size() <= static_cast<size_t>(std::numeric_limits<int>::max()) &&
                parser.ParseFromString(std::string(text), message);
  if (!parsed) {
    message->Clear();
    if (!collector.has_error()) {
      return errors::DataLoss(name_for_errors, " is not a valid text ", message->GetTypeName());
    }
    return errors::DataLoss(name_for_errors, ":", collector.Where(), ": ", errors::Echo(collector.message(), 400),
                            " (parsing text ", message->GetTypeName(), ")");
  }
  return absl::OkStatus();
}

StatusOr<GraphFile> ReadGraphFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  GraphFileFormat named = GraphFileFormatForPath(path);
  GraphFile file;
  Status first = ParseAs(named, bytes, path, &file);
  if (first.ok()) return file;
  // The name may not tell: a text file named .pb, a MetaGraphDef named .pbtxt or .pb.
  std::vector<GraphFileFormat> others;
  if (LooksLikeText(bytes)) {
    others.push_back(LooksLikeTextMetaGraph(bytes) ? GraphFileFormat::kTextMetaGraph : GraphFileFormat::kTextGraphDef);
  } else {
    others = {GraphFileFormat::kBinaryMetaGraph, GraphFileFormat::kBinaryGraphDef};
  }
  for (GraphFileFormat other : others) {
    if (other == named) continue;
    GraphFile candidate;
    if (ParseAs(other, bytes, path, &candidate).ok() &&
        (!IsMetaGraphFormat(other) || candidate.meta_graph.has_graph_def())) {
      return candidate;
    }
  }
  return first;
}

Status WriteGraphFile(const MetaGraphDef& meta_graph, const std::string& path) {
  GraphFileFormat format = GraphFileFormatForPath(path);
  const google::protobuf::Message& message =
      IsMetaGraphFormat(format) ? static_cast<const google::protobuf::Message&>(meta_graph) : meta_graph.graph_def();
  if (!IsTextFormat(format)) return WriteBinaryProto(path, message);
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(message, &text)) {
    return errors::Internal("cannot print ", message.GetTypeName(), " as text for ", Quoted(path));
  }
  return WriteStringToFileAtomic(path, text);
}

Status WriteGraphFile(const GraphDef& graph_def, const std::string& path) {
  MetaGraphDef meta_graph;
  *meta_graph.mutable_graph_def() = graph_def;
  return WriteGraphFile(meta_graph, path);
}

}  // namespace sluice

// Graph files in TensorFlow's formats, read and written by one pair of functions that pick the
// format from the file's name and, when the name leaves it open, from its contents: ".pb" (or
// any other name) a binary GraphDef (tf.io.write_graph(as_text=False), frozen graphs); ".pbtxt"
// or ".txt" a text GraphDef (protobuf TextFormat, tf.io.write_graph's default); ".meta" a binary
// MetaGraphDef (tf.compat.v1.train.export_meta_graph); ".meta.pbtxt" or ".meta.txt" a text
// MetaGraphDef (export_meta_graph(as_text=True)). A text file of either message is accepted
// under either text name (a MetaGraphDef starts with meta_info_def, graph_def, saver_def or
// collection_def), and a binary file that is not what its name says is tried as the other
// message.
//
//   auto file = ReadGraphFile("model.meta");
//   SLUICE_CHECK_OK(file.status());                  // "'model.meta' is not a valid ..."
//   SLUICE_CHECK_OK(WriteGraphFile(file->meta_graph, "model.meta.pbtxt"));   // the same, as text
#ifndef SLUICE_CORE_GRAPH_FILE_H_
#define SLUICE_CORE_GRAPH_FILE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/status.h"
#include "google/protobuf/message.h"
#include "proto/graph.pb.h"
#include "proto/meta_graph.pb.h"

namespace sluice {

enum class GraphFileFormat { kBinaryGraphDef, kTextGraphDef, kBinaryMetaGraph, kTextMetaGraph };

// "binary GraphDef", "text MetaGraphDef", ...
const char* GraphFileFormatName(GraphFileFormat format);
inline bool IsMetaGraphFormat(GraphFileFormat f) {
  return f == GraphFileFormat::kBinaryMetaGraph || f == GraphFileFormat::kTextMetaGraph;
}
inline bool IsTextFormat(GraphFileFormat f) {
  return f == GraphFileFormat::kTextGraphDef || f == GraphFileFormat::kTextMetaGraph;
}

// The format a file of this name is written in: by extension, a binary GraphDef otherwise.
GraphFileFormat GraphFileFormatForPath(const std::string& path);

struct GraphFile {
  GraphFileFormat format;
  // The file's MetaGraphDef; for a GraphDef file, one holding just that graph_def.
  MetaGraphDef meta_graph;
};

// Reads the graph file at `path` (see the top of this file). Errors name the file: NotFound and
// the other errors of ReadFileToString, DataLoss for bytes that parse as neither message, and
// for text the line and column protobuf's parser stopped at ("'m.pbtxt':3:7: Expected ...").
StatusOr<GraphFile> ReadGraphFile(const std::string& path);

// Writes `graph_def`, or `meta_graph`, to `path` atomically, in text when the name is a text
// name above and in binary otherwise. Writing a GraphDef to a ".meta" name wraps it in a
// MetaGraphDef; writing a MetaGraphDef to a GraphDef name writes its graph_def.
Status WriteGraphFile(const GraphDef& graph_def, const std::string& path);
Status WriteGraphFile(const MetaGraphDef& meta_graph, const std::string& path);

// Parses protobuf text format `text` into `message` (cleared first, and left cleared on
// failure). A failure is DataLoss: "<name_for_errors>:<line>:<column>: <protobuf's reason>".
Status ParseTextProto(absl::string_view text, absl::string_view name_for_errors, google::protobuf::Message* message);

}  // namespace sluice

#endif  // SLUICE_CORE_GRAPH_FILE_H_

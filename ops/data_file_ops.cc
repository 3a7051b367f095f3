#include "ops/data_file_ops.h"

#include "absl/strings/str_cat.h"
#include "core/idx.h"
#include "core/npy.h"

namespace sluice::data {
namespace {

const std::vector<TensorShape>& ScalarShapes() {
  static const std::vector<TensorShape>* const kShapes = new std::vector<TensorShape>{TensorShape{}};
  return *kShapes;
}

Output Int64(const Scope& scope, int64_t v) { return Input(v).ToOutput(scope, DT_INT64); }
Output String(const Scope& scope, const std::string& v) { return Input(Tensor::Scalar<std::string>(v)).ToOutput(scope); }

// A dataset op of string scalars: `op` with filenames and then `more` inputs.
Dataset StringDataset(const Scope& scope, const std::string& op, const Input& filenames,
                      const std::vector<Output>& more) {
  if (!scope.ok()) return Dataset();
  NodeBuilder b(scope, op);
  b.Input(filenames.ToOutput(scope, DT_STRING));
  for (const Output& o : more) b.Input(o);
  Operation node = b.Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope, node.output(0), {DT_STRING}, ScalarShapes());
}

Input FilenamesInput(const std::vector<std::string>& filenames) { return Input(Tensor::FromVector(filenames)); }

// IdxDataset / NpyDataset of `tensor` (what the file holds now).
Dataset RowsDataset(const Scope& scope, const std::string& op, const std::string& filename,
                    const StatusOr<Tensor>& tensor) {
  if (!scope.ok()) return Dataset();
  if (!tensor.ok()) {
    scope.UpdateStatus(errors::Annotate(tensor.status(), absl::StrCat(op, ": ")));
    return Dataset();
  }
  if (tensor->dims() < 1) {
    scope.UpdateStatus(errors::InvalidArgument(op, ": '", filename, "' holds a scalar; a dataset needs rows"));
    return Dataset();
  }
  TensorShape row = tensor->shape();
  row.RemoveDim(0);
  const DataTypeVector dtypes{tensor->dtype()};
  const std::vector<TensorShape> shapes{row};
  Operation node = NodeBuilder(scope, op)
                       .Input(String(scope, filename))
                       .Attr("output_types", absl::Span<const DataType>(dtypes))
                       .Attr("output_shapes", absl::Span<const TensorShape>(shapes))
                       .Finalize();
  if (!node.valid()) return Dataset();
  return Dataset(scope, node.output(0), dtypes, shapes);
}

}  // namespace

Dataset TFRecordDataset(const Scope& scope, const Input& filenames, const std::string& compression_type,
                        int64_t buffer_size) {
  return StringDataset(scope, "TFRecordDataset", filenames,
                       {String(scope, compression_type), Int64(scope, buffer_size)});
}

Dataset TFRecordDataset(const Scope& scope, const std::vector<std::string>& filenames,
                        const std::string& compression_type, int64_t buffer_size) {
  return TFRecordDataset(scope, FilenamesInput(filenames), compression_type, buffer_size);
}

Dataset TextLineDataset(const Scope& scope, const Input& filenames, const std::string& compression_type,
                        int64_t buffer_size) {
  return StringDataset(scope, "TextLineDataset", filenames,
                       {String(scope, compression_type), Int64(scope, buffer_size)});
}

Dataset TextLineDataset(const Scope& scope, const std::vector<std::string>& filenames,
                        const std::string& compression_type, int64_t buffer_size) {
  return TextLineDataset(scope, FilenamesInput(filenames), compression_type, buffer_size);
}

Dataset FixedLengthRecordDataset(const Scope& scope, const Input& filenames, int64_t record_bytes,
                                 int64_t header_bytes, int64_t footer_bytes, const std::string& compression_type,
                                 int64_t buffer_size) {
  return StringDataset(scope, "FixedLengthRecordDatasetV2", filenames,
                       {Int64(scope, header_bytes), Int64(scope, record_bytes), Int64(scope, footer_bytes),
                        Int64(scope, buffer_size), String(scope, compression_type)});
}

Dataset FixedLengthRecordDataset(const Scope& scope, const std::vector<std::string>& filenames, int64_t record_bytes,
                                 int64_t header_bytes, int64_t footer_bytes, const std::string& compression_type,
                                 int64_t buffer_size) {
  return FixedLengthRecordDataset(scope, FilenamesInput(filenames), record_bytes, header_bytes, footer_bytes,
                                  compression_type, buffer_size);
}

Dataset IdxDataset(const Scope& scope, const std::string& filename) {
  return RowsDataset(scope, "IdxDataset", filename, ReadIdx(filename));
}

Dataset NpyDataset(const Scope& scope, const std::string& filename) {
  return RowsDataset(scope, "NpyDataset", filename, ReadNpy(filename));
}

}  // namespace sluice::data

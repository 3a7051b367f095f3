// Datasets that read files (TF's names, inputs and attrs; kernels in kernels/cpu/data_file_ops.cc):
// each element of TFRecordDataset, TextLineDataset and FixedLengthRecordDataset is a scalar
// string (a record, a line without its newline, a fixed-length record) of its files in order;
// IdxDataset and NpyDataset (sluice's own) yield the rows of one IDX or .npy file.
#include "core/op_registry.h"

namespace sluice {
namespace {

REGISTER_OP("TFRecordDataset")
    .Input("filenames: string")
    .Input("compression_type: string")
    .Input("buffer_size: int64")
    .Output("handle: variant")
    .Attr("metadata: string = ''")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The records of the TFRecord files `filenames` (a scalar or vector) in order, each a string scalar; "
         "compression_type \"\", \"ZLIB\" or \"GZIP\"; buffer_size bytes read at a time (0: a default). A corrupt "
         "or truncated record is an error naming the file and offset.");

REGISTER_OP("TFRecordDatasetV2")
    .Input("filenames: string")
    .Input("compression_type: string")
    .Input("buffer_size: int64")
    .Input("byte_offsets: int64")
    .Output("handle: variant")
    .Attr("metadata: string = ''")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("TFRecordDataset reading each file from its byte_offsets entry (empty: from the start); an offset where "
         "no record starts is an error.");

REGISTER_OP("TextLineDataset")
    .Input("filenames: string")
    .Input("compression_type: string")
    .Input("buffer_size: int64")
    .Output("handle: variant")
    .Attr("metadata: string = ''")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The lines of the files `filenames` in order, each a string scalar without its \"\\n\" or \"\\r\\n\".");

REGISTER_OP("FixedLengthRecordDataset")
    .Input("filenames: string")
    .Input("header_bytes: int64")
    .Input("record_bytes: int64")
    .Input("footer_bytes: int64")
    .Input("buffer_size: int64")
    .Output("handle: variant")
    .Attr("metadata: string = ''")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The record_bytes-long records of each file between its header_bytes and footer_bytes; bytes left over "
         "that make no whole record are an error naming the file.");

REGISTER_OP("FixedLengthRecordDatasetV2")
    .Input("filenames: string")
    .Input("header_bytes: int64")
    .Input("record_bytes: int64")
    .Input("footer_bytes: int64")
    .Input("buffer_size: int64")
    .Input("compression_type: string")
    .Output("handle: variant")
    .Attr("metadata: string = ''")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("FixedLengthRecordDataset of files that may be ZLIB or GZIP streams (header and footer in the "
         "decompressed bytes).");

REGISTER_OP("IdxDataset")
    .Input("filename: string")
    .Output("handle: variant")
    .Attr("output_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The rows (along dimension 0) of the IDX file `filename` (gzipped or not; MNIST, Fashion-MNIST), in the "
         "file's element type; output_types and output_shapes (one each) must match what the file holds.");

REGISTER_OP("NpyDataset")
    .Input("filename: string")
    .Output("handle: variant")
    .Attr("output_types: list(type) >= 1")
    .Attr("output_shapes: list(shape) >= 1")
    .SetIsStateful(true)
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("The rows (along dimension 0) of the .npy file `filename` in its dtype; output_types and output_shapes "
         "(one each) must match what the file holds.");

}  // namespace
}  // namespace sluice

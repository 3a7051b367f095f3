// CPU kernels of the checkpoint ops (ops/defs/io_ops.cc) over TF's V2 tensor bundle. Partitioned
// variables (a non-empty shape_and_slices entry) are not supported.
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/kernel.h"
#include "runtime/tensor_bundle.h"

namespace sluice {
namespace {

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

// The string scalar input `i` (named `what` in errors).
Status ScalarString(OpKernelContext* ctx, int i, absl::string_view what, std::string* out) {
  const Tensor& t = ctx->input(i);
  if (t.dtype() != DT_STRING || t.NumElements() != 1) {
    return errors::InvalidArgument(ctx->kernel().name(), ": ", what, " must be a string scalar, got ",
                                   DataTypeString(t.dtype()), " ", t.shape().DebugString());
  }
  *out = t.data<std::string>()[0];
  return absl::OkStatus();
}

// Checks the names and shape_and_slices inputs (1 and 2) against `n` tensors.
Status CheckNamesAndSlices(OpKernelContext* ctx, int64_t n, const std::string& prefix) {
  const Tensor& names = ctx->input(1);
  const Tensor& slices = ctx->input(2);
  if (names.dtype() != DT_STRING || slices.dtype() != DT_STRING || names.shape().rank() != 1 ||
      slices.shape().rank() != 1 || names.NumElements() != n || slices.NumElements() != n) {
    return errors::InvalidArgument(ctx->kernel().name(), ": tensor_names ", names.shape().DebugString(),
                                   " and shape_and_slices ", slices.shape().DebugString(),
                                   " must be string vectors of the ", n, " tensors of ", Quoted(prefix));
  }
  for (int64_t i = 0; i < n; ++i) {
    if (!slices.data<std::string>()[i].empty()) {
      return errors::Unimplemented(ctx->kernel().name(), ": tensor ",
                                   Quoted(errors::Echo(names.data<std::string>()[i])), " of ", Quoted(prefix),
                                   " has shape_and_slice ", Quoted(errors::Echo(slices.data<std::string>()[i])),
                                   ": partitioned variables are not supported");
    }
  }
  return absl::OkStatus();
}

class SaveV2Op : public OpKernel {
 public:
  explicit SaveV2Op(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    std::string prefix;
    OP_REQUIRES_OK(ctx, ScalarString(ctx, 0, "prefix", &prefix));
    const int n = ctx->num_inputs() - 3;
    OP_REQUIRES_OK(ctx, CheckNamesAndSlices(ctx, n, prefix));
    auto writer = BundleWriter::Create(prefix);
    OP_REQUIRES_OK(ctx, writer.status());
    const std::string* names = ctx->input(1).data<std::string>();
    for (int i = 0; i < n; ++i) OP_REQUIRES_OK(ctx, (*writer)->Add(names[i], ctx->input(3 + i)));
    OP_REQUIRES_OK(ctx, (*writer)->Finish());
  }
};

class RestoreV2Op : public OpKernel {
 public:
  explicit RestoreV2Op(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("dtypes", &dtypes_));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    std::string prefix;
    OP_REQUIRES_OK(ctx, ScalarString(ctx, 0, "prefix", &prefix));
    const int n = static_cast<int>(dtypes_.size());
    OP_REQUIRES_OK(ctx, CheckNamesAndSlices(ctx, n, prefix));
    auto reader = BundleReader::Open(prefix);
    OP_REQUIRES_OK(ctx, reader.status());
    const std::string* names = ctx->input(1).data<std::string>();
    for (int i = 0; i < n; ++i) {
      StatusOr<Tensor> t = (*reader)->Lookup(names[i]);
      OP_REQUIRES_OK(ctx, t.status());
      OP_REQUIRES(ctx, t->dtype() == dtypes_[i],
                  errors::InvalidArgument(ctx->kernel().name(), ": tensor ", Quoted(errors::Echo(names[i])),
                                          " of ", Quoted(BundleIndexFilename(prefix)), " is ",
                                          DataTypeString(t->dtype()), ", the op expects ",
                                          DataTypeString(dtypes_[i])));
      ctx->set_output(i, *std::move(t));
    }
  }

 private:
  std::vector<DataType> dtypes_;
};

// The directory of a bundle prefix ("" for one in the working directory).
std::string PrefixDirectory(const std::string& prefix) {
  size_t slash = prefix.rfind('/');
  return slash == std::string::npos ? std::string() : prefix.substr(0, slash);
}

class MergeV2CheckpointsOp : public OpKernel {
 public:
  explicit MergeV2CheckpointsOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("delete_old_dirs", &delete_old_dirs_));
    ctx->SetStatus(ctx->GetAttr("allow_missing_files", &allow_missing_files_));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& prefixes_t = ctx->input(0);
    OP_REQUIRES(ctx, prefixes_t.dtype() == DT_STRING && prefixes_t.shape().rank() <= 1,
                errors::InvalidArgument(name(), ": checkpoint_prefixes must be a string vector, got ",
                                        prefixes_t.shape().DebugString()));
    std::string destination;
    OP_REQUIRES_OK(ctx, ScalarString(ctx, 1, "destination_prefix", &destination));
    std::vector<std::string> prefixes;
    for (int64_t i = 0; i < prefixes_t.NumElements(); ++i) {
      const std::string& p = prefixes_t.data<std::string>()[i];
      if (allow_missing_files_ && !FileExists(BundleIndexFilename(p))) continue;
      prefixes.push_back(p);
    }
    OP_REQUIRES(ctx, !prefixes.empty(),
                errors::NotFound(name(), ": none of the ", prefixes_t.NumElements(),
                                 " checkpoints to merge into ", Quoted(destination), " exists"));
    std::vector<std::string> old_files;
    if (prefixes.size() == 1 && prefixes[0] != destination) {
      OP_REQUIRES_OK(ctx, MoveBundle(prefixes[0], destination));
    } else if (prefixes.size() > 1) {
      OP_REQUIRES_OK(ctx, MergeBundles(prefixes, destination, &old_files));
      for (const std::string& f : old_files) OP_REQUIRES_OK(ctx, DeleteFile(f));
    }
    if (delete_old_dirs_) {
      const std::string destination_dir = PrefixDirectory(destination);
      for (const std::string& p : prefixes) {
        const std::string dir = PrefixDirectory(p);
        // TF removes a source directory only when it is empty (an error is no failure).
        if (!dir.empty() && dir != destination_dir) ::rmdir(dir.c_str());
      }
    }
  }

 private:
  // Renames the data files, then the index (whoever finds the index finds its data).
  static Status MoveBundle(const std::string& from, const std::string& to) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader, BundleReader::Open(from));
    const int shards = reader->header().num_shards();
    reader.reset();
    SLUICE_RETURN_IF_ERROR(RecursivelyCreateDir(PrefixDirectory(to).empty() ? "." : PrefixDirectory(to)));
    for (int s = 0; s < shards; ++s) {
      SLUICE_RETURN_IF_ERROR(RenameFile(BundleDataFilename(from, s, shards), BundleDataFilename(to, s, shards)));
    }
    SLUICE_RETURN_IF_ERROR(RenameFile(BundleIndexFilename(from), BundleIndexFilename(to)));
    return SyncDirectory(PrefixDirectory(to).empty() ? "." : PrefixDirectory(to));
  }

  // Reads every tensor of `prefixes` and writes them as one single-shard bundle; `old_files`
  // receives the source files, removed once the merged bundle is in place.
  static Status MergeBundles(const std::vector<std::string>& prefixes, const std::string& destination,
                             std::vector<std::string>* old_files) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<BundleWriter> writer, BundleWriter::Create(destination));
    std::vector<std::string> seen_in;
    for (const std::string& p : prefixes) {
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<BundleReader> reader, BundleReader::Open(p));
      for (const std::string& name : reader->TensorNames()) {
        SLUICE_ASSIGN_OR_RETURN(Tensor t, reader->Lookup(name));
        Status s = writer->Add(name, t);
        if (!s.ok()) {
          return errors::InvalidArgument("cannot merge tensor ", Quoted(errors::Echo(name)), " of ",
                                         Quoted(BundleIndexFilename(p)), " into ", Quoted(destination), ": ",
                                         s.message());
        }
      }
      if (p != destination) {
        const int shards = reader->header().num_shards();
        for (int s = 0; s < shards; ++s) old_files->push_back(BundleDataFilename(p, s, shards));
        old_files->push_back(BundleIndexFilename(p));
      }
    }
    return writer->Finish();
  }

  bool delete_old_dirs_ = true;
  bool allow_missing_files_ = false;
};

}  // namespace

REGISTER_KERNEL(KernelDefBuilder("SaveV2").Device(kDeviceCpu), SaveV2Op);
REGISTER_KERNEL(KernelDefBuilder("RestoreV2").Device(kDeviceCpu), RestoreV2Op);
REGISTER_KERNEL(KernelDefBuilder("MergeV2Checkpoints").Device(kDeviceCpu), MergeV2CheckpointsOp);

}  // namespace sluice

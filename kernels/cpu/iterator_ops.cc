// CPU kernels of the iterator ops (ops/defs/dataset_ops.cc): an iterator is an IteratorResource
// (core/dataset.h) in the session's ResourceMgr, or owned by its handle (AnonymousIteratorV2).
// IteratorGetNext fails with OutOfRange "End of sequence" after the last element, which the
// executor and Session::Run return with that code.
#include "core/dataset.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"
#include "core/variant.h"
#include "kernels/cpu/dataset_kernel.h"
#include "kernels/cpu/function_call.h"
#include "kernels/cpu/variable_access.h"

namespace sluice::data {
namespace {

// The deleter output of the anonymous resources (TF's ResourceDeleter): nothing to run here,
// the handle's reference keeps the resource alive.
struct ResourceDeleter {
  static std::string TypeName() { return "tensorflow::ResourceDeleter"; }
};

// Reads output_types and output_shapes (both may be empty where the op allows it).
Status ReadSignature(OpKernelConstruction* c, DataTypeVector* dtypes, std::vector<TensorShape>* shapes) {
  SLUICE_RETURN_IF_ERROR(c->GetAttr("output_types", dtypes));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("output_shapes", shapes));
  if (dtypes->size() != shapes->size()) {
    return errors::InvalidArgument("output_types has ", dtypes->size(), " types but output_shapes has ",
                                   shapes->size(), " shapes");
  }
  return absl::OkStatus();
}

Status CheckSignature(const IteratorResource& it, const DataTypeVector& dtypes, const std::vector<TensorShape>& shapes) {
  if (it.output_dtypes() != dtypes) {
    return errors::InvalidArgument("iterator '", it.name(), "' was made for other element types: ", it.DebugString());
  }
  for (size_t i = 0; i < shapes.size() && i < it.output_shapes().size(); ++i) {
    if (!shapes[i].IsCompatibleWith(it.output_shapes()[i])) {
      return errors::InvalidArgument("iterator '", it.name(), "' component ", i, " has shape ",
                                     it.output_shapes()[i].DebugString(), ", not ", shapes[i].DebugString());
    }
  }
  return absl::OkStatus();
}

StatusOr<RefCountPtr<IteratorResource>> LookupIterator(OpKernelContext* ctx, int i) {
  SLUICE_ASSIGN_OR_RETURN(const ResourceHandle* handle, cpu::HandleInput(ctx, i));
  auto it = ctx->resource_mgr()->Lookup<IteratorResource>(*handle);
  if (absl::IsNotFound(it.status())) {
    return errors::FailedPrecondition("iterator ", errors::Echo(handle->name()),
                                      " does not exist (was its IteratorV2 op run, or was it deleted?)");
  }
  return it;
}

// IteratorV2 / Iterator: the resource (container, shared_name or the node's name), made with
// the node's element signature on first run.
class IteratorHandleOp : public OpKernel {
 public:
  explicit IteratorHandleOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(ReadSignature(c, &dtypes_, &shapes_));
    c->SetStatus(c->GetAttr("container", &container_));
    c->SetStatus(c->GetAttr("shared_name", &shared_name_));
    if (shared_name_.empty()) shared_name_ = name();
    if (container_.empty() && c->resource_mgr() != nullptr) container_ = c->resource_mgr()->default_container();
    device_ = c->device() != nullptr ? c->device()->name() : "";
  }

  void Compute(OpKernelContext* ctx) override {
    auto it = ctx->resource_mgr()->LookupOrCreate<IteratorResource>(
        container_, shared_name_, [&]() -> StatusOr<std::unique_ptr<IteratorResource>> {
          return std::make_unique<IteratorResource>(shared_name_, dtypes_, shapes_);
        });
    OP_REQUIRES_OK(ctx, it.status());
    OP_REQUIRES_OK(ctx, CheckSignature(**it, dtypes_, shapes_));
    ctx->set_output(0, Tensor::Scalar(ResourceHandle::Make<IteratorResource>(device_, container_, shared_name_)));
  }

 private:
  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
  std::string container_, shared_name_, device_;
};

// A new resource each run, owned by the handle it outputs.
class AnonymousIteratorOp : public OpKernel {
 public:
  explicit AnonymousIteratorOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(ReadSignature(c, &dtypes_, &shapes_));
    device_ = c->device() != nullptr ? c->device()->name() : "";
  }

  void Compute(OpKernelContext* ctx) override {
    const std::string unique = absl::StrCat(name(), "/", next_.fetch_add(1));
    ResourceHandle handle = ResourceHandle::Make<IteratorResource>(device_, "anonymous", unique);
    handle.set_resource(RefCountPtr<ResourceBase>(new IteratorResource(unique, dtypes_, shapes_)));
    ctx->set_output(0, Tensor::Scalar(std::move(handle)));
    ctx->set_output(1, Tensor::Scalar(Variant(ResourceDeleter{})));
  }

 private:
  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
  std::string device_;
  std::atomic<int64_t> next_{0};
};

class MakeIteratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto dataset = InputDataset(ctx, 0);
    OP_REQUIRES_OK(ctx, dataset.status());
    auto it = LookupIterator(ctx, 1);
    OP_REQUIRES_OK(ctx, it.status());
    IteratorContext ictx;
    OP_REQUIRES_OK(ctx, (*it)->SetIteratorFromDataset(&ictx, *std::move(dataset)));
  }
};

class IteratorGetNextOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  bool IsExpensive() const override { return true; }  // may wait for a background thread
  void Compute(OpKernelContext* ctx) override {
    auto it = LookupIterator(ctx, 0);
    OP_REQUIRES_OK(ctx, it.status());
    IteratorContext ictx;
    std::vector<Tensor> element;
    bool end = false;
    OP_REQUIRES_OK(ctx, (*it)->GetNext(&ictx, &element, &end));
    OP_REQUIRES(ctx, !end, errors::OutOfRange("End of sequence"));
    OP_REQUIRES(ctx, static_cast<int>(element.size()) == ctx->num_outputs(),
                errors::InvalidArgument("the iterator's elements have ", element.size(), " components, the node ",
                                        ctx->num_outputs(), " outputs"));
    for (int i = 0; i < ctx->num_outputs(); ++i) ctx->set_output(i, std::move(element[i]));
  }
};

class DeleteIteratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto handle = cpu::HandleInput(ctx, 0);
    OP_REQUIRES_OK(ctx, handle.status());
    auto it = ctx->resource_mgr()->Lookup<IteratorResource>(**handle);
    OP_REQUIRES_OK(ctx, it.status());
    (*it)->Reset();
    if ((*handle)->resource().get() == nullptr) OP_REQUIRES_OK(ctx, ctx->resource_mgr()->Delete(**handle));
  }
};

// The iterator over the dataset its dataset_factory function returns, made on the first run
// and kept by the kernel (and in the ResourceMgr, so Saver and string handles reach it).
class OneShotIteratorOp : public OpKernel {
 public:
  explicit OneShotIteratorOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(ReadSignature(c, &dtypes_, &shapes_));
    c->SetStatus(factory_.InitFromAttr(c, "dataset_factory"));
    c->SetStatus(c->GetAttr("container", &container_));
    c->SetStatus(c->GetAttr("shared_name", &shared_name_));
    if (shared_name_.empty()) shared_name_ = name();
    if (container_.empty() && c->resource_mgr() != nullptr) container_ = c->resource_mgr()->default_container();
    device_ = c->device() != nullptr ? c->device()->name() : "";
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    absl::MutexLock lock(&mu_);
    if (!made_) OP_REQUIRES_OK(ctx, Make(ctx));
    ctx->set_output(0, Tensor::Scalar(ResourceHandle::Make<IteratorResource>(device_, container_, shared_name_)));
  }

 private:
  Status Make(OpKernelContext* ctx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Tensor> rets;
    SLUICE_RETURN_IF_ERROR(factory_.Run(ctx, {}, &rets));
    if (rets.size() != 1) {
      return errors::InvalidArgument("dataset_factory ", factory_.name(), " returned ", rets.size(),
                                     " tensors, not one dataset");
    }
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetBase> dataset, GetDatasetFromVariantTensor(rets[0]));
    SLUICE_ASSIGN_OR_RETURN(RefCountPtr<IteratorResource> it,
                            ctx->resource_mgr()->LookupOrCreate<IteratorResource>(
                                container_, shared_name_, [&]() -> StatusOr<std::unique_ptr<IteratorResource>> {
                                  return std::make_unique<IteratorResource>(shared_name_, dtypes_, shapes_);
                                }));
    IteratorContext ictx;
    SLUICE_RETURN_IF_ERROR(it->SetIteratorFromDataset(&ictx, std::move(dataset)));
    made_ = true;
    return absl::OkStatus();
  }

  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
  cpu::FunctionRef factory_;
  std::string container_, shared_name_, device_;
  absl::Mutex mu_;
  bool made_ ABSL_GUARDED_BY(mu_) = false;
};

class IteratorToStringHandleOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto handle = cpu::HandleInput(ctx, 0);
    OP_REQUIRES_OK(ctx, handle.status());
    OP_REQUIRES(ctx, (*handle)->resource().get() == nullptr,
                errors::InvalidArgument("an anonymous iterator has no string handle"));
    ResourceHandleProto proto;
    (*handle)->ToProto(&proto);
    ctx->set_output(0, Tensor::Scalar<std::string>(proto.SerializeAsString()));
  }
};

class IteratorFromStringHandleOp : public OpKernel {
 public:
  explicit IteratorFromStringHandleOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(ReadSignature(c, &dtypes_, &shapes_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& t = ctx->input(0);
    OP_REQUIRES(ctx, t.dtype() == DT_STRING && t.dims() == 0,
                errors::InvalidArgument("string_handle must be a string scalar, got shape ", t.shape().DebugString()));
    ResourceHandleProto proto;
    OP_REQUIRES(ctx, proto.ParseFromString(t.scalar<std::string>()),
                errors::InvalidArgument("string_handle is not a serialized ResourceHandleProto (",
                                        t.scalar<std::string>().size(), " bytes)"));
    ResourceHandle handle = ResourceHandle::FromProto(proto);
    auto it = ctx->resource_mgr()->Lookup<IteratorResource>(handle);
    OP_REQUIRES_OK(ctx, it.status());
    if (!dtypes_.empty()) OP_REQUIRES_OK(ctx, CheckSignature(**it, dtypes_, shapes_));
    ctx->set_output(0, Tensor::Scalar(std::move(handle)));
  }

 private:
  DataTypeVector dtypes_;
  std::vector<TensorShape> shapes_;
};

class SerializeIteratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto it = LookupIterator(ctx, 0);
    OP_REQUIRES_OK(ctx, it.status());
    auto state = (*it)->Save();
    OP_REQUIRES_OK(ctx, state.status());
    ctx->set_output(0, MakeIteratorStateTensor(*std::move(state)));
  }
};

class DeserializeIteratorOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto it = LookupIterator(ctx, 0);
    OP_REQUIRES_OK(ctx, it.status());
    auto state = IteratorStateFromTensor(ctx->input(1));
    OP_REQUIRES_OK(ctx, state.status());
    IteratorContext ictx;
    OP_REQUIRES_OK(ctx, (*it)->Restore(&ictx, *state));
  }
};

#define REGISTER_CPU(name, kernel) REGISTER_KERNEL(KernelDefBuilder(name).Device(kDeviceCpu), kernel)
REGISTER_CPU("IteratorV2", IteratorHandleOp);
REGISTER_CPU("Iterator", IteratorHandleOp);
REGISTER_CPU("AnonymousIteratorV2", AnonymousIteratorOp);
REGISTER_CPU("MakeIterator", MakeIteratorOp);
REGISTER_CPU("IteratorGetNext", IteratorGetNextOp);
REGISTER_CPU("IteratorGetNextSync", IteratorGetNextOp);
REGISTER_CPU("DeleteIterator", DeleteIteratorOp);
REGISTER_CPU("OneShotIterator", OneShotIteratorOp);
REGISTER_CPU("IteratorToStringHandle", IteratorToStringHandleOp);
REGISTER_CPU("IteratorFromStringHandleV2", IteratorFromStringHandleOp);
REGISTER_CPU("SerializeIterator", SerializeIteratorOp);
REGISTER_CPU("DeserializeIterator", DeserializeIteratorOp);

}  // namespace
}  // namespace sluice::data
